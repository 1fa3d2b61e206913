using Batch.Core.Options;
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
    public void EachPlugin_ChecksOnlyTheSettingsItReads()
    {
        var profile = Profile();
        profile.Architecture.CrossLayers = 0;
        profile.Architecture.Experts = 0;
        profile.Training.Balancer.MgdaNormalization = "max";
        ProfileRules.Validate(profile, "p"); // ple with no interaction and fixed weights reads none of them

        profile.Architecture.Interaction = "dcn-v2";
        profile.Architecture.Name = "mmoe";
        profile.Training.Balancer.Name = "mgda";
        var e = Assert.Throws<InvalidOperationException>(() => profile.Validate("p"));
        Assert.Equal("Model profile 'p' is invalid: CrossLayers must be at least 1; mmoe needs Experts of at least 1; Balancer:MgdaNormalization 'max' is not one of none, l2, loss, loss+.", e.Message);
    }

    [Fact]
    public void AProfileThatNamesNone_GetsTheDefaults_Named()
    {
        var profile = Profile();
        Assert.Equal(("", "", ""), (profile.Architecture.Name, profile.Architecture.Interaction, profile.Training.Balancer.Name));

        ProfileRules.ApplyDefaults(profile);

        Assert.Equal(("ple", "none", "fixed"), (profile.Architecture.Name, profile.Architecture.Interaction, profile.Training.Balancer.Name));
        profile.Validate("p");
    }
}
