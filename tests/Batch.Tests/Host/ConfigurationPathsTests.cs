using Batch.Core.Options;
using Batch.Host;
using Batch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Batch.Tests.Host;

public sealed class ConfigurationPathsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("batch-config-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void ARelativeJobsFolder_ResolvesAgainstTheFileThatSetIt_NotTheWorkingFolder()
    {
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), """{ "Batch": { "JobsDirectory": "nightly/jobs" } }""");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(AModel()).AddJsonFile(Path.Combine(_folder, "appsettings.json")).Build();

        Assert.Equal(Path.Combine(_folder, "nightly", "jobs"), Options(configuration).JobsDirectory);
    }

    [Fact]
    public void ALaterSource_Wins_AndOneThatIsNoFileResolvesBesideTheExecutable()
    {
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), """{ "Batch": { "JobsDirectory": "jobs" } }""");
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(AModel())
            .AddJsonFile(Path.Combine(_folder, "appsettings.json"))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Batch:JobsDirectory"] = "other" })
            .Build();

        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "other"), Options(configuration).JobsDirectory);
        Assert.Equal("/etc/batch/jobs", ConfigurationPaths.Resolve(configuration, "Batch:JobsDirectory", "/etc/batch/jobs"));
    }

    private static Dictionary<string, string?> AModel()
    {
        var settings = TinyProfiles.Settings("Host=127.0.0.1", "UseDevelopmentStorage=true", "models", ["m"]);
        settings.Remove("Batch:JobsDirectory");
        return settings;
    }

    private static BatchOptions Options(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddBatch(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<BatchOptions>>().Value;
    }
}
