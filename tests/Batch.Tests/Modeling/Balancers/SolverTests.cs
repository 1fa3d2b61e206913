using Batch.Modeling.Balancers;
using Xunit;

namespace Batch.Tests.Modeling.Balancers;

/// <summary>The closed-form and iterative solvers of MGDA and PE-LTR against hand-computed answers.</summary>
public class SolverTests
{
    private static double[,] Gram(params double[][] g)
    {
        var m = new double[g.Length, g.Length];
        for (var i = 0; i < g.Length; i++)
            for (var j = 0; j < g.Length; j++) m[i, j] = g[i].Select((v, k) => v * g[j][k]).Sum();
        return m;
    }

    private static double Norm2(double[,] gram, double[] w)
    {
        double s = 0;
        for (var i = 0; i < w.Length; i++)
            for (var j = 0; j < w.Length; j++) s += w[i] * gram[i, j] * w[j];
        return s;
    }

    [Fact]
    public void MinNorm_OfTwoOrthogonalUnitGradients_IsTheirMidpoint()
    {
        var w = MinNormSolver.ClosedForm(Gram([1, 0], [0, 1]));
        Assert.Equal([0.5, 0.5], w);
    }

    [Fact]
    public void MinNorm_PicksTheShorterVertex_WhenTheSegmentBendsAwayFromIt()
    {
        // Between (1, 0) and (1, 1) the nearest point to the origin is (1, 0) itself.
        Assert.Equal([1.0, 0.0], MinNormSolver.ClosedForm(Gram([1, 0], [1, 1])));
        // Between (2, 0) and (0, 1): γ = 1/5, the point (0.4, 0.8) of norm² 0.8.
        var w = MinNormSolver.ClosedForm(Gram([2, 0], [0, 1]));
        Assert.Equal(0.2, w[0], 12);
        Assert.Equal(0.8, Norm2(Gram([2, 0], [0, 1]), w), 12);
    }

    [Fact]
    public void FrankWolfe_AgreesWithTheClosedForm_ForTwoTasks()
    {
        var random = new Random(4);
        for (var trial = 0; trial < 20; trial++)
        {
            var g1 = Enumerable.Range(0, 5).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var g2 = Enumerable.Range(0, 5).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var gram = Gram(g1, g2);
            var closed = MinNormSolver.ClosedForm(gram);
            var iterative = MinNormSolver.FrankWolfe(gram);
            Assert.Equal(Norm2(gram, closed), Norm2(gram, iterative), 4);
        }
    }

    [Fact]
    public void FrankWolfe_FindsTheMinNormPoint_OfThreeAndMoreGradients()
    {
        var w = MinNormSolver.FrankWolfe(Gram([1, 0, 0], [0, 1, 0], [0, 0, 1]));
        Assert.All(w, wi => Assert.Equal(1.0 / 3, wi, 6));

        // Frank–Wolfe's duality gap 2·(wᵀMw − min_i (Mw)_i) bounds how far wᵀMw is above the minimum.
        var random = new Random(9);
        var grads = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 6).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        var gram = Gram(grads);
        var x = MinNormSolver.FrankWolfe(gram);
        var value = Norm2(gram, x);
        var gap = 2 * (value - Enumerable.Range(0, 4).Min(i => Enumerable.Range(0, 4).Sum(j => gram[i, j] * x[j])));
        Assert.Equal(1.0, x.Sum(), 9);
        Assert.All(x, xi => Assert.True(xi >= 0));
        Assert.True(gap < 1e-3 * value, $"duality gap {gap} at value {value}");
    }

    [Fact]
    public void PeLtr_MatchesTheClosedFormForTwoTasks_AndRespectsTheBounds()
    {
        var random = new Random(5);
        for (var trial = 0; trial < 20; trial++)
        {
            var g1 = Enumerable.Range(0, 4).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var g2 = Enumerable.Range(0, 4).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            var gram = Gram(g1, g2);
            double[] bounds = [0.2, 0.3];
            var w = PeLtrSolver.Solve(gram, bounds);
            // min over w1 ∈ [c1, 1 − c2] of ‖w1·g1 + (1 − w1)·g2‖²
            var expected = Math.Clamp((gram[1, 1] - gram[0, 1]) / (gram[0, 0] + gram[1, 1] - 2 * gram[0, 1]), 0.2, 0.7);
            Assert.Equal(expected, w[0], 6);
            Assert.Equal(1.0, w.Sum(), 9);
            Assert.True(w[0] >= 0.2 - 1e-9 && w[1] >= 0.3 - 1e-9);
        }
    }

    [Fact]
    public void PeLtr_KeepsEveryLowerBound_WithMoreTasks()
    {
        var gram = Gram([1, 0, 0], [0, 4, 0], [0, 0, 9]);
        double[] bounds = [0.05, 0.1, 0.3];
        var w = PeLtrSolver.Solve(gram, bounds);
        Assert.Equal(1.0, w.Sum(), 9);
        for (var i = 0; i < 3; i++) Assert.True(w[i] >= bounds[i] - 1e-9, $"w{i} = {w[i]}");
        // Unconstrained, the min-norm weights are ∝ 1/‖g_i‖² = (36, 9, 4)/49; the third task's bound binds.
        Assert.Equal(0.3, w[2], 6);
    }

    [Fact]
    public void SimplexProjection_MatchesHandComputedCases()
    {
        Assert.Equal([0.5, 0.5], SimplexProjection.Project([0.5, 0.5], 1));
        Assert.Equal([1.0, 0.0], SimplexProjection.Project([2.0, -1.0], 1));
        var p = SimplexProjection.Project([0.6, 0.6, -0.2], 0.8);
        Assert.Equal(0.4, p[0], 12);
        Assert.Equal(0.4, p[1], 12);
        Assert.Equal(0.0, p[2], 12);
    }
}
