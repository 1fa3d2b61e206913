using System.Text.Json.Nodes;
using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Balancers;
using Batch.Modeling.Plugins;
using Xunit;

namespace Batch.Tests.Modeling.Plugins;

/// <summary>A profile is checked by its own rules and by those of the plug-ins it names, found by name.</summary>
public sealed class ProfileRulesTests
{
    private static ModelProfile Profile()
    {
        var profile = new ModelProfile { Features = { Categorical = ["device"] } };
        profile.Architecture.ExpertHidden = [4];
        return profile;
    }

    [Fact]
    public void UnknownNames_AreRefused_ListingWhatIsRegistered()
    {
        var profile = Profile();
        profile.Architecture.Interaction = "attention";
        profile.Training.Balancer.Name = "nash";

        var e = Assert.Throws<InvalidOperationException>(() => profile.Validate("p"));

        Assert.Contains("unknown interaction layer 'attention' (available: none, fm, dcn-v2)", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown balancer 'nash' (available: fixed, uncertainty, gradnorm, dwa, pe-ltr, mgda, pcgrad, gradvac)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EachPlugin_ChecksItsOwnSettings_WhereverTheProfileHoldsThem()
    {
        var profile = Profile();
        ProfileRules.Validate(profile, "p"); // nothing held: every plug-in's defaults

        profile.Architecture.With("dcn-v2", new DcnV2Settings { CrossLayers = 0 }).With("mmoe", new ExpertPoolSettings { Experts = 0 });
        profile.Training.Balancer.With("mgda", new MgdaSettings { Normalization = "max" });
        var e = Assert.Throws<InvalidOperationException>(() => profile.Validate("p"));
        Assert.Equal(
            "Model profile 'p' is invalid: Architecture:Settings:dcn-v2:CrossLayers must be at least 1; Architecture:Settings:mmoe:Experts must be at least 1; "
            + "Training:Balancer:Settings:mgda:Normalization 'max' is not one of none, l2, loss, loss+.", e.Message);

        // Named, a plug-in's problems are said once, not once as named and once as held.
        profile.Architecture.Name = "mmoe";
        Assert.Equal(1, Count(Assert.Throws<InvalidOperationException>(() => profile.Validate("p")).Message, "Experts must be at least 1"));
    }

    [Fact]
    public void SettingsForNoPlugin_ASettingThePluginDoesNotHave_AndAValueThatDoesNotFit_AreRefused()
    {
        var profile = Profile();
        profile.Architecture.Settings.Set("pel", new JsonObject { ["levels"] = 3 });
        profile.Architecture.Settings.Set("ple", new JsonObject { ["levelz"] = 3 });
        profile.Architecture.Settings.Set("fm", new JsonObject { ["rank"] = 3 });
        profile.Training.Balancer.Settings.Set("gradnorm", new JsonObject { ["alpha"] = "high" });

        var e = Assert.Throws<InvalidOperationException>(() => profile.Validate("p"));

        Assert.Contains("Architecture:Settings:pel names no plug-in that has settings here (known: single-task, shared-bottom, omoe, mmoe, cgc, ple, snr-trans, snr-aver, logistic, none, fm, dcn-v2)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Architecture:Settings:ple:levelz is not a setting of ple (its settings: Levels, SpecificExperts, SharedExperts, TaskEmbeddings)", e.Message, StringComparison.Ordinal);
        Assert.Contains("Architecture:Settings:fm:rank: fm has no settings", e.Message, StringComparison.Ordinal);
        Assert.Contains("Training:Balancer:Settings:gradnorm cannot be read: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APluginsSettings_AreReadCaseBlind_WithItsDefaultsForWhatIsNotHeld()
    {
        var settings = new PluginSettings();
        Assert.Equal((2, 1, 1), Triple(settings.Read<PleSettings>("ple")));

        settings.Set("PLE", new JsonObject { ["Levels"] = 3, ["sharedexperts"] = 4 });

        Assert.Equal((3, 1, 4), Triple(settings.Read<PleSettings>("ple")));
        Assert.Equal(["PLE"], settings.PluginNames());
    }

    private static (int, int, int) Triple(PleSettings s) => (s.Levels, s.SpecificExperts, s.SharedExperts);

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    [Fact]
    public void AProfileThatNamesNone_GetsTheDefaults_Named()
    {
        var profile = Profile();
        Assert.Equal(("", "", ""), (profile.Architecture.Name, profile.Architecture.Interaction, profile.Training.Balancer.Name));

        ProfileRules.ApplyDefaults(profile);

        Assert.Equal(("ple", "fm", "fixed"), (profile.Architecture.Name, profile.Architecture.Interaction, profile.Training.Balancer.Name));
        // The named ones' settings written out, defaults included, for the manifest to record.
        Assert.Equal("""{"levels":2,"specificExperts":1,"sharedExperts":1,"taskEmbeddings":false}""", profile.Architecture.Settings.Of("ple")!.ToJsonString());
        Assert.Equal("""{"weights":[]}""", profile.Training.Balancer.Settings.Of("fixed")!.ToJsonString());
        Assert.Equal(["ple"], profile.Architecture.Settings.PluginNames());
        profile.Validate("p");
    }
}
