using Batch.Evaluation;
using Batch.Evaluation.Statistics;
using Xunit;

namespace Batch.Tests.Evaluation;

public class StatisticsTests
{
    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.959963985, 0.975)]
    [InlineData(-1.644853627, 0.05)]
    [InlineData(3.090232306, 0.999)]
    public void Normal_CdfAndQuantile_MatchTheTables(double z, double p)
    {
        Assert.Equal(p, Normal.Cdf(z), 7);
        Assert.Equal(z, Normal.Quantile(p), 6);
        Assert.Equal(1 - p, Normal.UpperTail(z), 7);
    }

    [Fact]
    public void MidRanks_ShareTheMeanRankAmongTies()
    {
        Assert.Equal([3.5, 1, 3.5, 2], Ranks.Mid([3f, 1f, 3f, 2f]));
    }

    [Fact]
    public void DeLong_MatchesAnExampleWorkedByHand()
    {
        // Rows: three positives, then three negatives.
        //   model A: positives 0.9 0.8 0.4, negatives 0.7 0.3 0.4
        //   model B: positives 0.6 0.9 0.5, negatives 0.2 0.7 0.6
        // V10 (share of negatives below each positive, ties ½):  A: 1, 1, (1 + ½)/3 = ½      B: (1 + ½)/3 = ½, 1, ⅓
        // V01 (share of positives above each negative, ties ½): A: ⅔, 1, (2 + ½)/3 = ⅚      B: 1, ⅓, (1 + ½)/3 = ½
        // AUC A = mean V10 = ⅚; AUC B = (½ + 1 + ⅓)/3 = 11/18.
        // S10: var A = 1/12, var B = 13/108, cov = 5/72.   S01: var A = 1/36, var B = 13/108, cov = −1/18.
        // Var(A − B) = (1/12 + 13/108 − 10/72)/3 + (1/36 + 13/108 + 2/18)/3 = 35/324.
        float[] a = [0.9f, 0.8f, 0.4f, 0.7f, 0.3f, 0.4f];
        float[] b = [0.6f, 0.9f, 0.5f, 0.2f, 0.7f, 0.6f];
        bool[] labels = [true, true, true, false, false, false];

        var paired = DeLong.Compare(a, b, labels);

        Assert.Equal(5.0 / 6, paired.A, 12);
        Assert.Equal(11.0 / 18, paired.B, 12);
        Assert.Equal(35.0 / 324, paired.Variance, 12);
        Assert.Equal(Metrics.Auc(a, labels), paired.A, 12);
    }

    [Fact]
    public void DeLong_AgreesWithTheDefinitionOnRandomScoresWithTies()
    {
        var random = new Random(3);
        var labels = Enumerable.Range(0, 60).Select(_ => random.NextDouble() < 0.3).ToArray();
        var a = labels.Select(l => (float)Math.Round(random.NextDouble() + (l ? 0.3 : 0), 1)).ToArray();
        var b = labels.Select(l => (float)Math.Round(random.NextDouble() + (l ? 0.2 : 0), 1)).ToArray();

        var paired = DeLong.Compare(a, b, labels);

        // The structural components straight from their definition, O(m·n).
        var pos = Enumerable.Range(0, labels.Length).Where(i => labels[i]).ToArray();
        var neg = Enumerable.Range(0, labels.Length).Where(i => !labels[i]).ToArray();
        static double Psi(float x, float y) => x > y ? 1 : x == y ? 0.5 : 0;
        double[] V10(float[] s) => pos.Select(i => neg.Average(j => Psi(s[i], s[j]))).ToArray();
        double[] V01(float[] s) => neg.Select(j => pos.Average(i => Psi(s[i], s[j]))).ToArray();
        static double Cov(double[] u, double[] v) => u.Zip(v).Sum(t => (t.First - u.Average()) * (t.Second - v.Average())) / (u.Length - 1);
        double[] d10 = V10(a).Zip(V10(b), (x, y) => x - y).ToArray(), d01 = V01(a).Zip(V01(b), (x, y) => x - y).ToArray();
        var expected = Cov(d10, d10) / pos.Length + Cov(d01, d01) / neg.Length;

        Assert.Equal(V10(a).Average(), paired.A, 12);
        Assert.Equal(V10(b).Average(), paired.B, 12);
        Assert.Equal(expected, paired.Variance, 12);
    }

    [Fact]
    public void DeLong_OfAModelAgainstItself_HasNoVariance()
    {
        float[] a = [0.9f, 0.1f, 0.8f, 0.3f, 0.5f];
        var paired = DeLong.Compare(a, a, [true, false, true, false, true]);
        Assert.Equal((0.0, 0.0), (paired.Difference, paired.Variance));
    }

    [Fact]
    public void PairedLogLoss_MatchesAnExampleWorkedByHand()
    {
        // Labels 1, 0, 1; model A says 0.9, 0.2, 0.6; model B says 0.8, 0.3, 0.5.
        // Per-row differences ℓA − ℓB: ln(0.8/0.9), ln(0.7/0.8), ln(0.5/0.6).
        double[] d = [Math.Log(0.8 / 0.9), Math.Log(0.7 / 0.8), Math.Log(0.5 / 0.6)];
        var mean = d.Average();
        var sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / 2);
        var lossB = -(Math.Log(0.8) + Math.Log(0.7) + Math.Log(0.5)) / 3;

        var paired = PairedLogLoss.Compare([0.9f, 0.2f, 0.6f], [0.8f, 0.3f, 0.5f], [true, false, true]);

        Assert.Equal(mean, paired.MeanDifference, 6);
        Assert.Equal(sd / Math.Sqrt(3), paired.StandardError, 6);
        Assert.Equal(lossB, paired.B, 6);
        Assert.Equal(mean / lossB, paired.RelativeDifference, 6);
        Assert.Equal(-0.1445453, paired.MeanDifference, 6); // (−0.117783 − 0.133531 − 0.182322)/3
    }
}
