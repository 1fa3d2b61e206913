using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>One tower (MLP) and one linear head per task, each turning that task's state into its logit.</summary>
public sealed class TaskTowers : nn.Module<Tensor[], Tensor>
{
    private readonly ModuleList<Mlp> towers;
    private readonly ModuleList<Linear> heads;

    public TaskTowers(int tasks, int inputDim, IReadOnlyList<int> hidden, double dropout = 0) : base(nameof(TaskTowers))
    {
        var built = Enumerable.Range(0, tasks).Select(_ => new Mlp(inputDim, hidden, dropout)).ToArray();
        towers = new ModuleList<Mlp>(built);
        heads = new ModuleList<Linear>(built.Select(t => nn.Linear(t.OutputDim, 1)).ToArray());
        RegisterComponents();
    }

    /// <param name="states">one [batch, in] state per task</param>
    /// <returns>[batch, tasks] logits</returns>
    public override Tensor forward(Tensor[] states) =>
        cat(states.Select((s, t) => heads[t].call(towers[t].call(s))).ToList(), 1);

    public IEnumerable<Parameter> Of(int task) => towers[task].parameters().Concat(heads[task].parameters());

    /// <summary>Adds <paramref name="shifts"/>[task] to each task head's bias.</summary>
    public void ShiftBiases(IReadOnlyList<double> shifts)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        using var _ = no_grad();
        for (var t = 0; t < heads.Count; t++) heads[t].bias!.add_(shifts[t]);
    }

    /// <summary>Sets every head to zero, so that every logit is 0 until the heads learn.</summary>
    public void Silence()
    {
        using var _ = no_grad();
        foreach (var p in heads.parameters()) p.zero_();
    }
}
