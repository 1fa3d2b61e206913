using Batch.Modeling.Balancers;
using Batch.Tests.Support;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Balancers;

/// <summary>The balancers with three tasks, each against a computation by hand.</summary>
[Collection(TorchGroup.Name)]
public class ThreeTaskStrategyTests
{
    /// <summary>θ ∈ ℝ³ shared by three tasks whose losses are c_t·θ_t: task t's gradient is c_t·e_t.</summary>
    private static (Parameter Theta, BalancerContext Context, Func<Tensor[]> Losses) Orthogonal(params float[] c)
    {
        var theta = new Parameter(ones(3));
        return (theta, new BalancerContext([theta], [[], [], []]), () => [theta[0] * c[0], theta[1] * c[1], theta[2] * c[2]]);
    }

    [Fact]
    public void Mgda_FindsTheMinNormPointOfThreeGradients()
    {
        using var scope = NewDisposeScope();
        var (theta, context, losses) = Orthogonal(1, 2, 2);
        using var mgda = new Mgda("none");
        var step = mgda.Backward(losses(), context);
        // Orthogonal gradients of norms 1, 2, 2: w_t ∝ 1/‖g_t‖² = (1, ¼, ¼)/1.5, and Σ w_t·g_t = (⅔, ⅓, ⅓).
        Assert.Equal([2.0 / 3, 1.0 / 6, 1.0 / 6], step.Weights, new Tolerance(1e-3));
        Assert.Equal([2f / 3, 1f / 3, 1f / 3], theta.grad!.data<float>().ToArray(), new Tolerance(1e-3f));
        Assert.Equal(1.0, step.Weights.Sum(), 9);
    }

    [Fact]
    public void PcGrad_ProjectsThreeGradientsInAFixedOrder_AsComputedByHand()
    {
        // g1 = (1, 0), g2 = (−1, 1), g3 = (0, −1).
        var gram = GradientCombiningBalancer.Gram(tensor(new float[] { 1, 0, -1, 1, 0, -1 }, [3, 2]));
        var a = PcGrad.Projections(gram, [[1, 2], [0, 2], [0, 1]]);
        // Task 1 off g2 (dot −1): (1, 0) + ½(−1, 1) = (½, ½); then off g3 (dot −½): (½, ½) + ½(0, −1) = (½, 0) = g1 + ½g2 + ½g3.
        // Task 2 off g1 (dot −1): (−1, 1) + (1, 0) = (0, 1); then off g3 (dot −1): (0, 1) + (0, −1) = 0 = g2 + g1 + g3.
        // Task 3 off g1 (dot 0): unchanged; then off g2 (dot −1): (0, −1) + ½(−1, 1) = (−½, −½) = g3 + ½g2.
        double[,] expected = { { 1, 0.5, 0.5 }, { 1, 1, 1 }, { 0, 0.5, 1 } };
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++) Assert.Equal(expected[i, j], a[i, j], 9);
        // Task 1 the other way round gives another gradient: the order matters, and PCGrad draws it at random.
        var reversed = PcGrad.Projections(gram, [[2, 1], [0, 2], [0, 1]]);
        Assert.Equal((1.0, 0.5, 0.0), (reversed[0, 0], reversed[0, 1], reversed[0, 2])); // (1, 0) off g2 only: (½, ½)
    }

    [Fact]
    public void GradNorm_MovesThreeWeightsTowardTheirTargets_AsComputedByHand()
    {
        using var scope = NewDisposeScope();
        var theta = new Parameter(ones(3));
        var context = new BalancerContext([theta], [[], [], []]);
        float[] c = [1, 2, 3];
        Tensor[] Losses() => [theta[0] * c[0], theta[1] * c[1], theta[2] * c[2]];
        var gradNorm = new GradNorm(tasks: 3, alpha: 1.5, learningRate: 0.1);

        // Step 1, losses (1, 2, 3) = L(0): every ratio 1, so every target is the mean of G = w·‖∇L‖ = (1, 2, 3), 2.
        // w ← w − 0.1·sign(G − 2)·‖∇L‖ = (1.1, 1, 0.7), then scaled to sum 3: (33, 30, 21)/28.
        var first = gradNorm.Backward(Losses(), context);
        Assert.Equal([1.0, 1.0, 1.0], first.Weights); // the step itself used the weights before the update
        Assert.Equal([33.0 / 28, 30.0 / 28, 21.0 / 28], gradNorm.CurrentWeights, new Tolerance(1e-9));

        // Step 2, θ = (½, 1, 1): losses (½, 2, 3), ratios to L(0) (½, 1, 1), relative (0.6, 1.2, 1.2).
        // G = (33/28, 60/28, 63/28), mean 52/28; targets mean·r^1.5 = (0.8631, 2.4413, 2.4413): G₁ above, G₂ and G₃ below.
        // w ← (33/28 − 0.1, 30/28 + 0.2, 21/28 + 0.3) = (30.2, 35.6, 29.4)/28, then scaled to sum 3.
        using (no_grad()) theta.copy_(tensor(new float[] { 0.5f, 1, 1 }));
        var second = gradNorm.Backward(Losses(), context);
        Assert.Equal([33.0 / 28, 30.0 / 28, 21.0 / 28], second.Weights, new Tolerance(1e-9));
        Assert.Equal([3 * 30.2 / 95.2, 3 * 35.6 / 95.2, 3 * 29.4 / 95.2], gradNorm.CurrentWeights, new Tolerance(1e-9));
        // The shared gradient is Σ w_t·∇L_t with the weights used: (33/28·1, 30/28·2, 21/28·3).
        Assert.Equal([33f / 28, 60f / 28, 63f / 28], theta.grad!.data<float>().ToArray(), new Tolerance(1e-5f));
    }

    [Fact]
    public void TheGradientCosines_AreAveragedOverEveryPairOfThree()
    {
        using var scope = NewDisposeScope();
        var theta = new Parameter(ones(2));
        var context = new BalancerContext([theta], [[], [], []]);
        using var pcGrad = new PcGrad(seed: 1);
        // g1 = (1, 0), g2 = (0, 1), g3 = (1, 1): cosines 0, √½, √½.
        var step = pcGrad.Backward([theta[0] * 1, theta[1] * 1, theta.sum()], context);
        Assert.Equal((0 + 2 * Math.Sqrt(0.5)) / 3, step.GradientCosine!.Value, 6);
        Assert.Equal(3, step.PairCosines!.Count);
        Assert.Equal(0, step.PairCosines[0], 6);
        Assert.Equal(Math.Sqrt(0.5), step.PairCosines[1], 6);
        Assert.Equal(Math.Sqrt(0.5), step.PairCosines[2], 6);
    }
}
