using TorchSharp.Utils;
using Batch.Core.Options;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// The linear yardstick: the wide part alone — per task, logistic regression on the one-hot fields (crosses
/// included) and the numeric values. Nothing is shared.
/// </summary>
public sealed class Logistic : MultiTaskNetwork
{
    [ComponentName(Name = "wide")]
    private readonly WideLinear _wide;

    public Logistic(ArchitectureContext context) : base(nameof(Logistic), context.Tasks)
    {
        _wide = new WideLinear(context.Cardinalities, context.NumericCount, context.Tasks);
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values) => _wide.call(indices, values); // [batch, tasks]

    public override void ShiftLogits(IReadOnlyList<double> shifts) => _wide.ShiftBiases(shifts);

    public override IEnumerable<TorchSharp.Modules.Parameter> SharedParameters() => [];

    public override IEnumerable<TorchSharp.Modules.Parameter> LinearTermParameters() => _wide.parameters();

    public override IEnumerable<TorchSharp.Modules.Parameter> TaskParameters(int task) => _wide.Of(task);
}

/// <summary>Registers <see cref="Logistic"/>.</summary>
public sealed class LogisticPlugin : IArchitecturePlugin
{
    public const string Id = "logistic";
    public string Name => Id;
    public string Summary => "the wide part alone: per task, logistic regression on the one-hot fields (crosses included) and the numeric values (a yardstick)";
    public int Order => 80;
    public bool ListedByDefault => false;
    public bool TakesWidePart => false;
    public IEnumerable<string> Problems(ArchitectureOptions options) => [];
    public MultiTaskNetwork Create(ArchitectureContext context) => new Logistic(context);
}
