using Batch.Lab.Benchmarks;
using Xunit;

namespace Batch.Tests.Lab.Benchmarks;

public sealed class LatentFactorisationTests
{
    [Fact]
    public void Predict_IsTheSigmoidOfTheOffsetPlusTheInnerProduct()
    {
        var model = new LatentFactorisation(new double[,] { { 1, -2 } }, new double[,] { { 0.5, 0.25 } });
        // 0.3 + 1·0.5 − 2·0.25 = 0.3
        Assert.Equal(1 / (1 + Math.Exp(-0.3)), model.Predict(0, 0, offset: 0.3), 12);
    }

    [Fact]
    public void Step_MovesBothFactorsAlongTheLoglossGradient_FromTheOldValues()
    {
        var model = new LatentFactorisation(new double[,] { { 1, 0 } }, new double[,] { { 0.5, 0.5 } });
        model.Step(0, 0, offset: 0, clicked: true, learningRate: 0.1, l2: 0.01);
        // z = 0.5, g = σ(0.5) − 1 = −0.3775406688; u −= 0.1(g·v + 0.01u); v −= 0.1(g·u + 0.01v)
        Assert.Equal(1.0178770334, model.UserFactor(0, 0), 9);
        Assert.Equal(0.0188770334, model.UserFactor(0, 1), 9);
        Assert.Equal(0.5372540669, model.ItemFactor(0, 0), 9);
        Assert.Equal(0.4995, model.ItemFactor(0, 1), 9);
    }

    [Fact]
    public void Factors_OfDifferentRanks_AreRefused() =>
        Assert.Throws<ArgumentException>(() => new LatentFactorisation(new double[1, 2], new double[1, 3]));
}
