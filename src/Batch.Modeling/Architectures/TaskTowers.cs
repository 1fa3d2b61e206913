using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>One tower (MLP) and one linear head per task, each turning that task's state into its logit.</summary>
public sealed class TaskTowers : nn.Module<Tensor[], Tensor>
{
    [ComponentName(Name = "towers")]
    private readonly ModuleList<Mlp> _towers;
    [ComponentName(Name = "heads")]
    private readonly ModuleList<Linear> _heads;

    public TaskTowers(int tasks, int inputDim, IReadOnlyList<int> hidden, double dropout = 0) : base(nameof(TaskTowers))
    {
        var built = Enumerable.Range(0, tasks).Select(_ => new Mlp(inputDim, hidden, dropout)).ToArray();
        _towers = new ModuleList<Mlp>(built);
        _heads = new ModuleList<Linear>(built.Select(t => nn.Linear(t.OutputDim, 1)).ToArray());
        RegisterComponents();
    }

    /// <param name="states">one [batch, in] state per task</param>
    /// <returns>[batch, tasks] logits</returns>
    public override Tensor forward(Tensor[] states) =>
        cat(states.Select((s, t) => _heads[t].call(_towers[t].call(s))).ToList(), 1);

    public IEnumerable<Parameter> Of(int task) => _towers[task].parameters().Concat(_heads[task].parameters());

    /// <summary>Adds <paramref name="shifts"/>[task] to each task head's bias.</summary>
    public void ShiftBiases(IReadOnlyList<double> shifts)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        using var _ = no_grad();
        for (var t = 0; t < _heads.Count; t++) _heads[t].bias!.add_(shifts[t]);
    }

    /// <summary>Sets every head to zero, so that every logit is 0 until the heads learn.</summary>
    public void Silence()
    {
        using var _ = no_grad();
        foreach (var p in _heads.parameters()) p.zero_();
    }
}
