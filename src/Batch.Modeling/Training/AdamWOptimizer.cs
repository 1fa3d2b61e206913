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
    /// <summary>
    /// Parameters that share a learning rate and a decoupled weight decay. <paramref name="ByRow"/>: each step updates
    /// only the rows of a matrix parameter whose gradient is not zero (an embedding table's rows in the batch), and
    /// catches up the decays a row missed since its last update (see <see cref="Settle"/>).
    /// </summary>
    public sealed record Group(IReadOnlyList<Parameter> Parameters, double LearningRate, double WeightDecay, bool ByRow = false);

    private sealed class Moments(Tensor first, Tensor second, Tensor? updated) : IDisposable
    {
        public long Step;
        public Tensor First { get; } = first;
        public Tensor Second { get; } = second;

        /// <summary>Updated by row: the step each row was last brought up to date at (int64, one per row).</summary>
        public Tensor? Updated { get; } = updated;

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
            Updated?.Dispose();
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
        foreach (var g in groups)
            foreach (var p in g.Parameters)
                _moments[p] = new Moments(zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope(),
                    g.ByRow && p.dim() == 2 ? zeros(p.shape[0], dtype: int64, device: p.device).DetachFromDisposeScope() : null);
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
            using var decay = (1 - group.LearningRate * group.WeightDecay).ToScalar();
            foreach (var param in group.Parameters)
            {
                var grad = param.grad;
                if (grad is null) continue;
                var state = _moments[param];
                state.Step += 1;
                if (state.Updated is null)
                {
                    Update(param, state.First, state.Second, grad, state.Step, group.LearningRate, decay);
                    continue;
                }
                // By row: the rows with a gradient catch up the steps they missed before this one, then take it.
                var rows = grad.ne(0).any(1L).nonzero().squeeze(1L);
                if (rows.shape[0] == 0) continue;
                var (weights, first, second) = (param.index_select(0, rows), state.First.index_select(0, rows), state.Second.index_select(0, rows));
                CatchUp(weights, first, second, state.Updated.index_select(0, rows), state.Step - 1, group);
                Update(weights, first, second, grad.index_select(0, rows), state.Step, group.LearningRate, decay);
                param.index_copy_(0, rows, weights);
                state.First.index_copy_(0, rows, first);
                state.Second.index_copy_(0, rows, second);
                using var now = state.Step.ToScalar();
                state.Updated.index_fill_(0, rows, now);
            }
        }
    }

    /// <summary>One AdamW step at <paramref name="step"/> of <paramref name="weights"/> and its moments, in place.</summary>
    private void Update(Tensor weights, Tensor first, Tensor second, Tensor grad, long step, double lr, Scalar decay)
    {
        var (beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps) = (_constants[0], _constants[1], _constants[2], _constants[3], _constants[4]);
        weights.mul_(decay);

        var biasCorrection1 = 1 - Math.Pow(_beta1, step);
        var biasCorrection2 = 1 - Math.Pow(_beta2, step);

        first.mul_(beta1).add_(grad, alpha: oneMinusBeta1);
        second.mul_(beta2).addcmul_(grad, grad, value: oneMinusBeta2);

        using var root = Math.Sqrt(biasCorrection2).ToScalar();
        // add_'s alpha held: TorchSharp's add_(Scalar) passes a temporary 1 of its own.
        var denominator = second.sqrt().div_(root).add_(eps, HeldScalars.One);

        using var stepSize = (-(lr / biasCorrection1)).ToScalar();
        weights.addcdiv_(first, denominator, value: stepSize);
    }

    /// <summary>
    /// What the full update would have done to rows without a gradient from the step after
    /// <paramref name="updated"/> (each row's last update) up to <paramref name="upTo"/>: the k decays of the weight
    /// and of both moments (the factors raised to k), in place. Not done: moving a row by its fading first moment.
    /// </summary>
    private void CatchUp(Tensor weights, Tensor first, Tensor second, Tensor updated, long upTo, Group group)
    {
        using var until = upTo.ToScalar();
        var missed = updated.neg().add_(until, HeldScalars.One).to(float64).unsqueeze(1L); // [rows, 1]
        weights.mul_(Powers(1 - group.LearningRate * group.WeightDecay, missed, weights.dtype));
        first.mul_(Powers(_beta1, missed, first.dtype));
        second.mul_(Powers(_beta2, missed, second.dtype));
    }

    /// <summary><paramref name="factor"/> to the power of each row's missed steps, in <paramref name="dtype"/>.</summary>
    private static Tensor Powers(double factor, Tensor missed, ScalarType dtype)
    {
        using var held = factor.ToScalar();
        return full_like(missed, held).pow_(missed).to(dtype);
    }

    /// <summary>
    /// Brings every row updated by row up to date: the decays it missed since its last update, as
    /// <see cref="Step"/> would apply them. Call before the weights are read (validation, a copy, the end of training).
    /// </summary>
    public void Settle()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var group in _groups)
            foreach (var param in group.Parameters)
            {
                var state = _moments[param];
                if (state.Updated is null || state.Step == 0) continue;
                CatchUp(param, state.First, state.Second, state.Updated, state.Step, group);
                using var now = state.Step.ToScalar();
                state.Updated.fill_(now);
            }
    }

    public void Dispose()
    {
        foreach (var m in _moments.Values) m.Dispose();
        _moments.Clear();
        foreach (var c in _constants) c.Dispose();
    }
}
