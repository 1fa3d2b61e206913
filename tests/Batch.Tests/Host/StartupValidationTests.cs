using Batch.Host.Cli;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Xunit;

namespace Batch.Tests.Host;

public class StartupValidationTests
{
    [Fact]
    public async Task Start_FailsWithTheProblem_WhenAProfileNamesAnUnknownArchitectureOrImpossibleSizes()
    {
        using var host = HostFactory.Build(configure: c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Batch:Models:bad:Features:Categorical:0"] = "device",
            ["Batch:Models:bad:Architecture:Name"] = "moe",
            ["Batch:Models:worse:Features:Categorical:0"] = "device",
            ["Batch:Models:worse:Architecture:Name"] = "snr-aver",
            ["Batch:Models:worse:Architecture:ExpertHidden:0"] = "8",
        }));
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Model profile 'bad' is invalid: unknown architecture 'moe'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Model profile 'worse' is invalid: snr-aver needs SubNetworks", e.Message, StringComparison.Ordinal);
    }
}
