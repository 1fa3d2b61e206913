using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, ICLR 2019) with parameter groups, computed exactly as TorchSharp 0.107's
/// <c>optim.AdamW</c> computes it — the same operations in the same order, so the same numbers — but with every
/// scalar operand created explicitly and held until its native call has returned.
/// </summary>
/// <remarks>
/// TorchSharp's AdamW passes scalars made by implicit conversion (<c>param.mul_(1 - lr * weight_decay)</c>): a
/// temporary <see cref="Scalar"/> whose only reference ends when its handle is read. If a garbage collection runs
/// during the native call, the finaliser frees the scalar under libtorch, which then fails with "Unknown scalar
/// type". The training step is where those temporaries are made most often (several per parameter tensor per step).
/// </remarks>
public sealed class AdamWOptimizer : IDisposable
{
    /// <summary>Parameters that share a learning rate and a decoupled weight decay.</summary>
    public sealed record Group(IReadOnlyList<Parameter> Parameters, double LearningRate, double WeightDecay);

    private sealed class Moments(Tensor first, Tensor second) : IDisposable
    {
        public long Step;
        public Tensor First { get; } = first;
        public Tensor Second { get; } = second;

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
        }
    }

    private readonly IReadOnlyList<Group> _groups;
    private readonly Dictionary<Parameter, Moments> _moments = new(ReferenceEqualityComparer.Instance);
    private readonly double _beta1;
    private readonly double _beta2;
    // The scalars every step passes, made once and held for the optimizer's life.
    private readonly Scalar[] _constants;

    public AdamWOptimizer(IReadOnlyList<Group> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(groups);
        foreach (var g in groups)
        {
            if (g.LearningRate < 0) throw new ArgumentException($"Invalid learning rate: {g.LearningRate}");
            if (g.WeightDecay < 0) throw new ArgumentException($"Invalid weight_decay value: {g.WeightDecay}");
        }
        (_groups, _beta1, _beta2) = (groups, beta1, beta2);
        _constants = [beta1.ToScalar(), beta2.ToScalar(), (1 - beta1).ToScalar(), (1 - beta2).ToScalar(), eps.ToScalar()];
        foreach (var p in groups.SelectMany(g => g.Parameters))
            _moments[p] = new Moments(zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
    }

    /// <summary>Zeroes every gradient there is (a parameter without one keeps none), as TorchSharp's optimizers do.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _groups.SelectMany(g => g.Parameters))
        {
            using var grad = p.grad;
            if (grad is null) continue;
            grad.zero_().Dispose();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var group in _groups)
        {
            var lr = group.LearningRate;
            using var decay = (1 - lr * group.WeightDecay).ToScalar();
            var (beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps) = (_constants[0], _constants[1], _constants[2], _constants[3], _constants[4]);
            foreach (var param in group.Parameters)
            {
                var grad = param.grad;
                if (grad is null) continue;
                var state = _moments[param];
                state.Step += 1;

                param.mul_(decay);

                var biasCorrection1 = 1 - Math.Pow(_beta1, state.Step);
                var biasCorrection2 = 1 - Math.Pow(_beta2, state.Step);

                state.First.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
                state.Second.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);

                using var root = Math.Sqrt(biasCorrection2).ToScalar();
                // add_'s alpha held: TorchSharp's add_(Scalar) passes a temporary 1 of its own.
                var denominator = state.Second.sqrt().div_(root).add_(eps, HeldScalars.One);

                using var stepSize = (-(lr / biasCorrection1)).ToScalar();
                param.addcdiv_(state.First, denominator, value: stepSize);
            }
        }
    }

    public void Dispose()
    {
        foreach (var m in _moments.Values) m.Dispose();
        _moments.Clear();
        foreach (var c in _constants) c.Dispose();
    }
}
