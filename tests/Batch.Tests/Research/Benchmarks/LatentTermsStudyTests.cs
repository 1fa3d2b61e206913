using Batch.Research.Benchmarks;
using Xunit;

namespace Batch.Tests.Research.Benchmarks;

public sealed class LatentTermsStudyTests
{
    private static readonly LatentTermsSettings Tiny = new(TestImpressions: 20_000, Epochs: 2);

    [Fact]
    public void Run_MeasuresEachSizeAfterEveryEpoch_OnTheSameHeldOutImpressions_Deterministically()
    {
        var first = LatentTermsStudy.Run([3_000, 6_000], Tiny).ToList();
        Assert.Equal([(3_000, 1), (3_000, 2), (6_000, 1), (6_000, 2)], first.Select(e => (e.Impressions, e.Epoch)));
        Assert.All(first, e => Assert.InRange(e.Auc, 0.5, 1));
        Assert.All(first, e => Assert.InRange(e.LogLoss, 0.05, 0.5));
        Assert.Equal(first, LatentTermsStudy.Run([3_000, 6_000], Tiny).ToList());
    }

    [Fact]
    public void References_TheTruthRanksBetterThanItsPartWithoutTheLatentTerm()
    {
        var (truth, withoutLatent) = LatentTermsStudy.References(Tiny);
        Assert.Equal(20_000, truth.Count);
        Assert.Equal(truth.Positives, withoutLatent.Positives);
        Assert.True(truth.Auc > withoutLatent.Auc + 0.02, $"{truth.Auc} against {withoutLatent.Auc}");
    }
}
