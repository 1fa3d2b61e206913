using System.Text.Json.Nodes;
using Batch.Core.Options;
using Batch.Host.Cli;
using Batch.Modeling.Plugins;
using Xunit;

namespace Batch.Tests.Host;

public sealed class PluginsPrinterTests
{
    [Fact]
    public void EveryRegisteredPlugin_IsListed_WithItsSettingsAsTheProfileGivesThem_AndTheProfilesChoiceMarked()
    {
        var profile = new ModelProfile();
        profile.Architecture.Name = "mmoe";
        profile.Architecture.Settings.Set("mmoe", new JsonObject { ["experts"] = 6 });
        profile.Training.Balancer.Name = "mgda";
        ProfileRules.ApplyDefaults(profile);

        var lines = PluginsPrinter.Lines("m", profile).ToList();

        Assert.Equal("architectures (Architecture:Name, m: mmoe; settings under Architecture:Settings:{name})", lines[0]);
        Assert.Equal(Registries.Architectures.All.Count + Registries.Interactions.All.Count + Registries.Balancers.All.Count + 3,
            lines.Count(l => !l.StartsWith("    ", StringComparison.Ordinal)));
        var mmoe = lines.FindIndex(l => l.StartsWith("  mmoe *", StringComparison.Ordinal));
        Assert.EndsWith("Experts=6", lines[mmoe + 1], StringComparison.Ordinal);
        var omoe = lines.FindIndex(l => l.StartsWith("  omoe ", StringComparison.Ordinal));
        Assert.EndsWith("Experts=4 (defaults)", lines[omoe + 1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("  ple (default) ", StringComparison.Ordinal) && !l.Contains('*', StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  fm (default) *", StringComparison.Ordinal));
        var mgda = lines.FindIndex(l => l.StartsWith("  mgda *", StringComparison.Ordinal));
        Assert.EndsWith("Normalization=\"loss+\"", lines[mgda + 1], StringComparison.Ordinal);
    }
}
