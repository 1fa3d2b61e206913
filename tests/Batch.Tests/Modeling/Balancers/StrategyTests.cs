using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Balancers;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Balancers;

/// <summary>Each strategy against its formula, on hand-built losses and gradients.</summary>
[Collection(TorchGroup.Name)]
public class StrategyTests
{
    private static float Cos(Tensor a, Tensor b) => (a.dot(b) / (a.norm() * b.norm())).item<float>();

    [Fact]
    public void PcGrad_ProjectsAwayTheConflict_AsComputedByHand()
    {
        using var scope = NewDisposeScope();
        var grads = tensor(new float[] { 1, 0, -1, 1 }, [2, 2]);
        var projected = PcGrad.Project(grads, new Random(1));
        // g1 − (g1·g2/‖g2‖²)·g2 = (1, 0) + ½(−1, 1); g2 − (g2·g1/‖g1‖²)·g1 = (−1, 1) + (1, 0)
        Assert.Equal([0.5f, 0.5f, 0f, 1f], projected.data<float>().ToArray());
        Assert.Equal(0f, projected[0].dot(grads[1]).item<float>(), 6);
        Assert.Equal(0f, projected[1].dot(grads[0]).item<float>(), 6);
    }

    [Fact]
    public void PcGrad_LeavesAgreeingGradientsUnchanged()
    {
        using var scope = NewDisposeScope();
        var agreeing = tensor(new float[] { 1, 2, 2, 1, 1, 1 }, [3, 2]); // every pairwise dot product is positive
        Assert.Equal(agreeing.data<float>().ToArray(), PcGrad.Project(agreeing, new Random(2)).data<float>().ToArray());
    }

    [Fact]
    public void GradVac_RaisesThePairsCosineExactlyToTheTarget()
    {
        using var scope = NewDisposeScope();
        var grads = tensor(new float[] { 1, 0, 0, 2 }, [2, 2]); // cosine 0
        var vac = new GradVac(tasks: 2, beta: 0.01, seed: 1, initialTarget: 0.5);
        var corrected = vac.Vaccinate(grads);
        Assert.Equal(0.5f, Cos(corrected[0], grads[1]), 5);
        Assert.Equal(0.5f, Cos(corrected[1], grads[0]), 5);
        // The target moved toward the cosine seen: 0.99·0.5 + 0.01·0.
        Assert.Equal(0.495, vac.Target(0, 1), 9);
    }

    [Fact]
    public void GradVac_ChangesNothing_WhenTheCosineAlreadyReachesTheTarget()
    {
        using var scope = NewDisposeScope();
        var grads = tensor(new float[] { 1, 0, 1, 1 }, [2, 2]); // cosine √½ ≈ 0.707
        var vac = new GradVac(tasks: 2, beta: 0.5, seed: 1, initialTarget: 0.7);
        Assert.Equal(grads.data<float>().ToArray(), vac.Vaccinate(grads).data<float>().ToArray());
    }

    [Fact]
    public void Uncertainty_LossAndWeightsFollowTheFormula()
    {
        using var scope = NewDisposeScope();
        using var balancer = new UncertaintyWeighting(2, CPU, initial: [0, Math.Log(2)]);
        var l1 = tensor(1f, requires_grad: true);
        var l2 = tensor(4f, requires_grad: true);
        // 1/(2e⁰) + 0/2 + 4/(2·2) + ln2/2
        Assert.Equal(0.5 + 1 + Math.Log(2) / 2, balancer.Total([l1, l2]).item<float>(), 5);
        var step = balancer.Backward([l1, l2], new BalancerContext([], [[], []]));
        Assert.Equal(0.5, step.Weights[0], 6);
        Assert.Equal(0.25, step.Weights[1], 6);
        // ∂/∂s_t = −L_t/(2e^{s_t}) + ½: 0 for the first task, −½ for the second.
        var s = balancer.Parameters.Single().grad!.data<float>().ToArray();
        Assert.Equal(0f, s[0], 5);
        Assert.Equal(-0.5f, s[1], 5);
    }

    [Fact]
    public void Dwa_WeighsByTheRatioOfTheLastTwoEpochs()
    {
        var dwa = new DynamicWeightAverage(temperature: 2);
        Assert.Equal([1.0, 1.0], dwa.WeightsFor(2)); // nothing to compare yet
        dwa.EndEpoch([1.0, 1.0]);
        Assert.Equal([1.0, 1.0], dwa.WeightsFor(2));
        dwa.EndEpoch([0.5, 0.8]);
        // w = (0.5, 0.8); λ_t = 2·e^{w_t/2} / (e^{0.25} + e^{0.4})
        var sum = Math.Exp(0.25) + Math.Exp(0.4);
        var weights = dwa.WeightsFor(2);
        Assert.Equal(2 * Math.Exp(0.25) / sum, weights[0], 12);
        Assert.Equal(2 * Math.Exp(0.4) / sum, weights[1], 12);
    }

    [Fact]
    public void GradNorm_RaisesTheWeightOfTheSlowerLearningTask()
    {
        using var scope = NewDisposeScope();
        var theta = new Parameter(ones(2));
        var context = new BalancerContext([theta], [[], []]);
        var gradNorm = new GradNorm(tasks: 2, alpha: 1.5, learningRate: 0.1);
        // L_a = θ₀, L_b = θ₁: equal gradient norms, losses as θ says.
        gradNorm.Backward([theta[0] * 1, theta[1] * 1], context); // L(0) = (1, 1)
        using (no_grad()) theta.copy_(tensor(new float[] { 0.5f, 0.9f })); // task b learns slower
        gradNorm.Backward([theta[0] * 1, theta[1] * 1], context);
        Assert.True(gradNorm.CurrentWeights[1] > gradNorm.CurrentWeights[0], string.Join(", ", gradNorm.CurrentWeights));
        Assert.Equal(2.0, gradNorm.CurrentWeights.Sum(), 9);
    }

    [Fact]
    public void Mgda_WeighsTowardTheMinNormPoint_OnRealGradients()
    {
        using var scope = NewDisposeScope();
        var theta = new Parameter(tensor(new float[] { 1, 1 }));
        var context = new BalancerContext([theta], [[], []]);
        using var mgda = new Mgda("none");
        // ∇L_a = (2, 0), ∇L_b = (0, 1): the min-norm point is 0.2·(2, 0) + 0.8·(0, 1) = (0.4, 0.8).
        var step = mgda.Backward([theta[0] * 2, theta[1] * 1], context);
        Assert.Equal(0.2, step.Weights[0], 5);
        Assert.Equal([0.4f, 0.8f], theta.grad!.data<float>().ToArray(), new Tolerance(1e-5f));
        Assert.Equal(0.0, step.GradientCosine!.Value, 6);
    }

    [Theory]
    [InlineData("pcgrad")]
    [InlineData("mgda")]
    [InlineData("gradnorm")]
    public void GradientMethods_GiveTheInputTheCombinationOfTheTaskGradients_InOnePassFromTheRepresentation(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var network = ArchitectureCatalog.Create(new ArchitectureContext([5, 4], 1, 2, ModelingFixtures.Architecture("ple+dcn-v2")));
        var context = BalancerContext.Of(network);
        Assert.NotNull(context.Representation);
        // Below the representation: the two tables and the cross layers' weights; nothing of them in the dense part.
        Assert.Equal(2 + 2 * 2, context.SharedInput.Count);
        Assert.DoesNotContain(context.SharedDense, p => context.SharedInput.Contains(p));
        var indices = tensor(new long[] { 1, 2, 4, 0, 3, 3, 0, 1 }, [4, 2]);
        var values = tensor(new float[] { 0.5f, -1f, 2f, 0f }, [4, 1]);
        var targets = tensor(new float[] { 1, 1, 0, 0, 1, 0, 0, 0 }, [4, 2]); // clicked, converted
        Tensor[] Losses() => TaskSet.Default.Losses(network.call(indices, values), targets);

        using var balancer = BalancerCatalog.Create(new BalancerOptions { Name = name }, 2, CPU);
        var beta = balancer.Backward(Losses(), context).Weights;
        var got = context.Shared.Select(p => p.grad!.clone()).ToList();

        // The same step, written out: per-task gradients over every shared parameter, tables included, combined by
        // the step's β — for the dense part and the input part alike (GradNorm's β are the weights it used).
        var coefficients = beta;
        var perTask = TaskGradients.PerParameter(Losses(), [.. context.Shared]);
        for (var p = 0; p < context.Shared.Count; p++)
        {
            var expected = perTask[p].Select((g, t) => (g ?? zeros_like(context.Shared[p])) * coefficients[t]).Aggregate((a, b) => a + b);
            Assert.True(allclose(expected, got[p], rtol: 1e-4, atol: 1e-6), $"parameter {p} of {context.Shared.Count}");
        }
    }
}
