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

    [Fact]
    public void ANegativeRateOrDecay_IsRefused()
    {
        using var w = nn.Parameter(zeros(1));
        Assert.Throws<ArgumentException>(() => new AdamWOptimizer([new([w], -0.1, 0)]));
        Assert.Throws<ArgumentException>(() => new AdamWOptimizer([new([w], 0.1, -1)]));
    }
}
