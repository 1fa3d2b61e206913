using Batch.Core.Options;
using Batch.Host.Cli;
using Batch.Modeling.Architectures;
using Batch.Modeling.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Batch.Tests.Host;

public class StartupValidationTests
{
    /// <summary>The validation failure starting a host with these settings ends in.</summary>
    private static async Task<OptionsValidationException> StartFailureAsync(Dictionary<string, string?> settings)
    {
        using var host = HostFactory.Build(configure: c => c.AddInMemoryCollection(settings));
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    [Fact]
    public async Task Start_FailsWithTheProblem_WhenAProfileNamesAnUnknownArchitectureOrImpossibleSizes()
    {
        var e = await StartFailureAsync(new Dictionary<string, string?>
        {
            ["Batch:Models:bad:Features:Categorical:0"] = "device",
            ["Batch:Models:bad:Architecture:Name"] = "moe",
            ["Batch:Models:worse:Features:Categorical:0"] = "device",
            ["Batch:Models:worse:Architecture:Name"] = "snr-aver",
            ["Batch:Models:worse:Architecture:ExpertHidden:0"] = "8",
            ["Batch:Models:worse:Architecture:Settings:snr-aver:SubNetworks:0"] = "0",
        });
        Assert.Contains("Model profile 'bad' is invalid: unknown architecture 'moe'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Model profile 'worse' is invalid: Architecture:Settings:snr-aver:SubNetworks needs a positive count per layer", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ranker")]
    [InlineData("ranker_mmoe")]
    [InlineData("a/b")]
    [InlineData("<script>")]
    [InlineData("-ranker")]
    public async Task Start_FailsNamingTheRule_WhenAModelNameCouldNotNameABlobFolderAndAJob(string name)
    {
        var e = await StartFailureAsync(new Dictionary<string, string?> { [$"Batch:Models:{name}:Features:Categorical:0"] = "device" });
        Assert.Contains($"model name '{name}' is not 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FailsNamingTheKey_WhenAProfileHoldsAKeyThatIsNoSetting_OrAPluginSettingWhereItWasBefore()
    {
        var e = await StartFailureAsync(new Dictionary<string, string?>
        {
            ["Batch:Models:old:Features:Categorical:0"] = "device",
            ["Batch:Models:old:Architecture:Levels"] = "3",
            ["Batch:Models:old:Training:Balancer:GradNormAlpha"] = "1",
            ["Batch:Models:old:Training:Epocs"] = "4",
            ["Batch:Models:old:Features:Columns:device:HashBucket"] = "8",
            ["Batch:Models:typo:Features:Categorical:0"] = "device",
            ["Batch:Models:typo:Architecture:ExpertHidden:0"] = "8",
            ["Batch:Models:typo:Architecture:Settings:ple:Levelz"] = "3",
            ["Batch:Models:typo:Architecture:Settings:pel:Levels"] = "3",
        });
        Assert.Contains("Batch:Models:old:Architecture:Levels is not a setting (ArchitectureOptions: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("it is a setting of ple: write it as Batch:Models:old:Architecture:Settings:ple:Levels", e.Message, StringComparison.Ordinal);
        Assert.Contains("Batch:Models:old:Training:Balancer:GradNormAlpha is not a setting (BalancerOptions: Name, Settings); a plug-in's own settings are under Batch:Models:old:Training:Balancer:Settings:{name}", e.Message, StringComparison.Ordinal);
        Assert.Contains("Batch:Models:old:Training:Epocs is not a setting (TrainingOptions: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("Batch:Models:old:Features:Columns:device:HashBucket is not a setting (ColumnOptions: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("Model profile 'typo' is invalid: Architecture:Settings:pel names no plug-in that has settings here (known: single-task, ", e.Message, StringComparison.Ordinal);
        Assert.Contains("Architecture:Settings:ple:Levelz is not a setting of ple (its settings: Levels, SpecificExperts, SharedExperts, TaskEmbeddings)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_FailsNamingTheValue_WhenAProfileHoldsAValueOfTheWrongType()
    {
        var e = await StartFailureAsync(new Dictionary<string, string?>
        {
            ["Batch:Models:m:Features:Categorical:0"] = "device",
            ["Batch:Models:m:Architecture:EmbeddingDim"] = "eight",
        });
        Assert.Contains("Model profile 'm' cannot be read: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("'eight' at 'Batch:Models:m:Architecture:EmbeddingDim'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("declares no model profile", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PluginSettings_AreReadFromConfiguration_TypedByThePluginsSettingsClass_AndTheNamedOnesWrittenOut()
    {
        using var host = HostFactory.Build(configure: c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Batch:Models:m:Features:Categorical:0"] = "device",
            ["Batch:Models:m:Architecture:ExpertHidden:0"] = "8",
            ["Batch:Models:m:Architecture:Interaction"] = "dcn-v2",
            ["Batch:Models:m:Architecture:Settings:PLE:Levels"] = "3",
            ["Batch:Models:m:Architecture:Settings:snr-aver:SubNetworks:0"] = "4",
            ["Batch:Models:m:Architecture:Settings:snr-aver:SubNetworks:1"] = "2",
            ["Batch:Models:m:Training:Balancer:Name"] = "gradnorm",
        }));
        var profile = host.Services.GetRequiredService<IOptions<BatchOptions>>().Value.Profile("m");

        var ple = profile.Architecture.Settings.Of("ple")!;
        Assert.Equal("""{"levels":3,"specificExperts":1,"sharedExperts":1,"taskEmbeddings":false}""", ple.ToJsonString());
        Assert.Equal([4, 2], profile.Architecture.Settings.Read<SnrSettings>("snr-aver").SubNetworks);
        Assert.Equal("""{"crossLayers":2}""", profile.Architecture.Settings.Of("dcn-v2")!.ToJsonString());
        Assert.Equal("""{"alpha":1.5,"learningRate":0.025}""", profile.Training.Balancer.Settings.Of("gradnorm")!.ToJsonString());
        Assert.Null(profile.Architecture.Settings.Of("mmoe"));
    }
}
