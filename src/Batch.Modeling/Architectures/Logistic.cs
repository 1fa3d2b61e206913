using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// The linear yardstick: the wide part alone — per task, logistic regression on the one-hot fields (crosses
/// included) and the numeric values. Nothing is shared.
/// </summary>
public sealed class Logistic : MultiTaskNetwork
{
    private readonly WideLinear wide;

    public Logistic(ArchitectureContext context) : base(nameof(Logistic), context.Tasks)
    {
        wide = new WideLinear(context.Cardinalities, context.NumericCount, context.Tasks);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values) => wide.call(indices, values); // [batch, tasks]

    public override IEnumerable<TorchSharp.Modules.Parameter> SharedParameters() => [];

    public override IEnumerable<TorchSharp.Modules.Parameter> TaskParameters(int task) => wide.Of(task);
}
