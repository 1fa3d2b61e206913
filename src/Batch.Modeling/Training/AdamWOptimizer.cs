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
            var lr = group.LearningRate;
            using var decay = (1 - lr * group.WeightDecay).ToScalar();
            var (beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps) = (_constants[0], _constants[1], _constants[2], _constants[3], _constants[4]);
            foreach (var param in group.Parameters)
            {
                var grad = param.grad;
                if (grad is null) continue;
                var state = _moments[param];
                state.Step += 1;
                if (state.Updated is not null)
                {
                    StepRows(param, grad, state, lr, group.WeightDecay);
                    continue;
                }

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

    /// <summary>
    /// AdamW on the rows of <paramref name="param"/> with a gradient, at step <c>state.Step</c>: a row last updated
    /// k steps ago first takes the k decays of the weight and of both moments it missed (the factors raised to k, as
    /// the full update would have applied them one step at a time), then this step's update. What the full update
    /// would also have done to a row outside the batch — move it by its fading first moment — is not done.
    /// </summary>
    private void StepRows(Parameter param, Tensor grad, Moments state, double lr, double weightDecay)
    {
        var rows = grad.ne(0).any(1L).nonzero().squeeze(1L);
        if (rows.shape[0] == 0) return;
        var (beta1, beta2, oneMinusBeta1, oneMinusBeta2, eps) = (_constants[0], _constants[1], _constants[2], _constants[3], _constants[4]);
        using var now = state.Step.ToScalar();
        var missed = Missed(state.Updated!.index_select(0, rows), now);
        var g = grad.index_select(0, rows);
        var weights = param.index_select(0, rows).mul_(Powers(1 - lr * weightDecay, missed, param.dtype));
        var first = state.First.index_select(0, rows).mul_(Powers(_beta1, missed, param.dtype)).add_(g, alpha: oneMinusBeta1);
        var second = state.Second.index_select(0, rows).mul_(Powers(_beta2, missed, param.dtype)).addcmul_(g, g, value: oneMinusBeta2);
        var biasCorrection1 = 1 - Math.Pow(_beta1, state.Step);
        var biasCorrection2 = 1 - Math.Pow(_beta2, state.Step);
        using var root = Math.Sqrt(biasCorrection2).ToScalar();
        var denominator = second.sqrt().div_(root).add_(eps, HeldScalars.One);
        using var stepSize = (-(lr / biasCorrection1)).ToScalar();
        weights.addcdiv_(first, denominator, value: stepSize);
        param.index_copy_(0, rows, weights);
        state.First.index_copy_(0, rows, first);
        state.Second.index_copy_(0, rows, second);
        state.Updated.index_fill_(0, rows, now);
    }

    /// <summary>Steps since each row's last update, as a float64 column.</summary>
    private static Tensor Missed(Tensor updated, Scalar now) => updated.neg().add_(now, HeldScalars.One).to(float64).unsqueeze(1L);

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
                using var now = state.Step.ToScalar();
                var missed = Missed(state.Updated, now);
                param.mul_(Powers(1 - group.LearningRate * group.WeightDecay, missed, param.dtype));
                state.First.mul_(Powers(_beta1, missed, param.dtype));
                state.Second.mul_(Powers(_beta2, missed, param.dtype));
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
