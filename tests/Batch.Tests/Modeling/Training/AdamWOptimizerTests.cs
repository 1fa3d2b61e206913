using Batch.Modeling.Training;
using Batch.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Our AdamW computes what TorchSharp's does, bit for bit, with the scalars it passes held alive.</summary>
[Collection(TorchGroup.Name)]
public class AdamWOptimizerTests
{
    private static (Sequential Net, Parameter[] Parameters) Network()
    {
        random.manual_seed(3);
        var net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 1));
        return (net, [.. net.parameters()]);
    }

    private static void Backward(Sequential net, int step)
    {
        random.manual_seed(100 + step);
        using var x = randn(16, 5);
        using var y = randn(16, 1);
        using var loss = nn.functional.mse_loss(net.call(x), y);
        loss.backward();
    }

    [Fact]
    public void TwelveSteps_WithTwoGroups_AndAFrozenParameter_MatchTorchSharpsAdamW_Exactly()
    {
        var (theirs, theirParameters) = Network();
        var (ours, ourParameters) = Network();
        // The last bias takes no gradient: both optimizers must leave it alone, decay included.
        theirParameters[3].requires_grad = false;
        ourParameters[3].requires_grad = false;
        using var reference = optim.AdamW(
            [new AdamW.ParamGroup(theirParameters[..2], 0.01, 0.9, 0.999, 1e-8, 0.1, false, false),
             new AdamW.ParamGroup(theirParameters[2..], 0.003, 0.9, 0.999, 1e-8, 0, false, false)], 0.01);
        using var optimizer = new AdamWOptimizer([new(ourParameters[..2], 0.01, 0.1), new(ourParameters[2..], 0.003, 0)]);

        for (var step = 0; step < 12; step++)
        {
            reference.zero_grad();
            Backward(theirs, step);
            reference.step();
            optimizer.ZeroGrad();
            Backward(ours, step);
            optimizer.Step();
        }

        for (var p = 0; p < theirParameters.Length; p++)
            Assert.True(theirParameters[p].eq(ourParameters[p]).all().item<bool>(), $"parameter {p} differs");
        Assert.True(ourParameters[0].ne(Network().Parameters[0]).any().item<bool>(), "nothing moved");
    }

    [Fact]
    public void TheFirstStep_MovesEachWeightByItsGroupsRate_AfterTheDecay()
    {
        using var w = nn.Parameter(tensor(new[] { 1.0f, -2.0f }));
        using var optimizer = new AdamWOptimizer([new([w], 0.1, 0.5)]);
        w.grad = tensor(new[] { 3.0f, -0.5f });
        optimizer.Step();
        // w·(1 − 0.1·0.5), then −0.1·sign(g) (Adam's first step is m̂ / (√v̂ + ε) = ±1 up to ε).
        Assert.Equal(1.0f * 0.95f - 0.1f, w[0].item<float>(), 5);
        Assert.Equal(-2.0f * 0.95f + 0.1f, w[1].item<float>(), 5);
    }

    /// <summary>Gradients of a 5×2 table: at each step, the given rows take a gradient (the rest zero).</summary>
    private static Tensor RowGradient(int step, params int[] rows)
    {
        var g = zeros(5, 2);
        foreach (var r in rows) g[r] = tensor(new[] { 0.3f * (step + 1) - r, 0.2f * r - 0.5f * step + 0.1f });
        return g;
    }

    /// <summary>One 5×2 table twice from the same start, one under the full update and one by row (rate 0.05, decay 0.3).</summary>
    private sealed class Twins : IDisposable
    {
        public Twins(int seed)
        {
            random.manual_seed(seed);
            Start = randn(5, 2);
            Full = nn.Parameter(Start.clone());
            ByRow = nn.Parameter(Start.clone());
            Dense = new AdamWOptimizer([new([Full], 0.05, 0.3)]);
            Lazy = new AdamWOptimizer([new([ByRow], 0.05, 0.3, ByRow: true)]);
        }

        public Tensor Start { get; }
        public Parameter Full { get; }
        public Parameter ByRow { get; }
        public AdamWOptimizer Dense { get; }
        public AdamWOptimizer Lazy { get; }

        /// <summary>One step of both, the same rows taking the same gradient.</summary>
        public void Step(int step, params int[] rows)
        {
            Full.grad = RowGradient(step, rows);
            ByRow.grad = RowGradient(step, rows);
            Dense.Step();
            Lazy.Step();
        }

        public void Dispose()
        {
            Dense.Dispose();
            Lazy.Dispose();
            Full.Dispose();
            ByRow.Dispose();
            Start.Dispose();
        }
    }

    [Fact]
    public void ByRow_WhenEveryRowHasAGradientEveryStep_IsTheFullUpdate()
    {
        using var twins = new Twins(4);
        for (var step = 0; step < 6; step++) twins.Step(step, 0, 1, 2, 3, 4);
        twins.Lazy.Settle();
        Assert.True(twins.Full.eq(twins.ByRow).all().item<bool>(), $"{twins.Full.str()} against {twins.ByRow.str()}");
    }

    [Fact]
    public void ByRow_ARowOutOfTheBatch_CatchesUpItsMissedDecays_WhenNextUpdated_AsComputedByHand()
    {
        const double Lr = 0.1, Wd = 0.5, B1 = 0.9, B2 = 0.999, Eps = 1e-8;
        using var w = nn.Parameter(tensor(new[,] { { 1.0f }, { -2.0f } }));
        using var optimizer = new AdamWOptimizer([new([w], Lr, Wd, ByRow: true)]);
        // Row 1 takes gradients at steps 1 and 4 only; row 0 at every step, so steps 2 and 3 happen without row 1.
        double[] g1 = [3.0, -0.5];
        for (var step = 1; step <= 4; step++)
        {
            w.grad = tensor(new[,] { { 1.0f }, { step == 1 ? (float)g1[0] : step == 4 ? (float)g1[1] : 0f } });
            optimizer.Step();
        }
        // Step 1: m = 0.1·3, v = 0.001·9; w = −2·(1 − 0.05) − 0.1·m̂/(√v̂ + ε) with m̂ = 3, √v̂ = 3.
        var m = (1 - B1) * g1[0];
        var v = (1 - B2) * g1[0] * g1[0];
        var x = -2.0 * (1 - Lr * Wd) - Lr * (m / (1 - B1)) / (Math.Sqrt(v / (1 - B2)) + Eps);
        // Step 4, three steps on: the weight decays three times, the moments by β³, then step 4's update.
        m = m * Math.Pow(B1, 3) + (1 - B1) * g1[1];
        v = v * Math.Pow(B2, 3) + (1 - B2) * g1[1] * g1[1];
        x = x * Math.Pow(1 - Lr * Wd, 3) - Lr / (1 - Math.Pow(B1, 4)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(B2, 4)) + Eps);
        Assert.Equal(x, w[1, 0].item<float>(), 5);
    }

    [Fact]
    public void ByRow_RowsThatNeverTakeAGradient_AreDecayedAsByTheFullUpdate_OnceSettled()
    {
        using var twins = new Twins(6);
        // Rows 3 and 4 never appear: their moments stay zero, so the full update only decays them.
        for (var step = 0; step < 7; step++) twins.Step(step, step % 2 == 0 ? [0, 1, 2] : [0, 1]);
        var (full, byRow) = (twins.Full, twins.ByRow);
        // Before settling, rows 3 and 4 have not moved at all.
        Assert.True(byRow[3..].eq(twins.Start[3..]).all().item<bool>());
        twins.Lazy.Settle();
        Assert.True(allclose(full[3..], byRow[3..], rtol: 1e-6, atol: 0), $"{full.str()} against {byRow.str()}");
        Assert.True(allclose(full[..2], byRow[..2], rtol: 1e-6, atol: 0));
        // Row 2 missed every other step while its first moment was not zero: the full update kept moving it by that
        // fading moment, which the update by row leaves out — the one place the two differ.
        Assert.False(allclose(full[2], byRow[2], rtol: 1e-6, atol: 0));
    }

    [Fact]
    public void ANegativeRateOrDecay_IsRefused()
    {
        using var w = nn.Parameter(zeros(1));
        Assert.Throws<ArgumentException>(() => new AdamWOptimizer([new([w], -0.1, 0)]));
        Assert.Throws<ArgumentException>(() => new AdamWOptimizer([new([w], 0.1, -1)]));
    }
}
