using Batch.Lab.Benchmarks;
using Xunit;

namespace Batch.Tests.Lab.Benchmarks;

public sealed class LatentTermsStudyTests
{
    private static readonly LatentTermsSettings Tiny = new(TestImpressions: 20_000, Epochs: 2);

    [Fact]
    public void Run_MeasuresEachSizeAfterEveryEpoch_OnTheSameHeldOutImpressions_Deterministically()
    {
        var first = LatentTermsStudy.Run([3_000, 6_000], Tiny).Epochs;
        Assert.Equal([(3_000, 1), (3_000, 2), (6_000, 1), (6_000, 2)], first.Select(e => (e.Impressions, e.Epoch)));
        Assert.All(first, e => Assert.InRange(e.Auc, 0.5, 1));
        Assert.All(first, e => Assert.InRange(e.LogLoss, 0.05, 0.5));
        Assert.Equal(first, LatentTermsStudy.Run([3_000, 6_000], Tiny).Epochs);
    }

    [Fact]
    public void Run_RefusesUnusableSettings_NamingEachOption()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LatentTermsStudy.Run([3_000], Tiny with { Rank = 0, LearningRate = 0, L2 = -1, Scale = -2, Epochs = 0 }));
        foreach (var option in new[] { "--rank", "--learning-rate", "--l2", "--scale", "--epochs" })
            Assert.Contains(option, error.Message, StringComparison.Ordinal);
        Assert.Empty(Tiny.Problems());
        Assert.Empty(new LatentTermsSettings().Problems());
    }

    [Fact]
    public void References_TheTruthRanksBetterThanItsPartWithoutTheLatentTerm()
    {
        var result = LatentTermsStudy.Run([], Tiny);
        var (truth, withoutLatent) = (result.Truth, result.WithoutLatent);
        Assert.Equal((3000, 600), (result.Users, result.Items));
        Assert.Equal(20_000, truth.Count);
        Assert.Equal(truth.Positives, withoutLatent.Positives);
        Assert.True(truth.Auc > withoutLatent.Auc + 0.02, $"{truth.Auc} against {withoutLatent.Auc}");
    }
}
