using Batch.Core.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Progressive Layered Extraction (Tang et al., RecSys 2020): stacked CGC levels over the shared feature
/// input, then one tower per task producing that task's logit.
/// </summary>
public sealed class PleModel : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly FeatureInput input;
    private readonly ModuleList<CgcLevel> levels;
    private readonly ModuleList<Mlp> towers;
    private readonly ModuleList<Linear> heads;

    public PleModel(IReadOnlyList<int> cardinalities, int numericCount, int tasks, ArchitectureOptions options) : base(nameof(PleModel))
    {
        ArgumentNullException.ThrowIfNull(options);
        input = new FeatureInput(cardinalities, options.EmbeddingDim, numericCount);
        var width = input.OutputDim;
        var built = new List<CgcLevel>();
        for (var l = 0; l < options.Levels; l++)
        {
            var level = new CgcLevel(tasks, width, options.SpecificExperts, options.SharedExperts, options.ExpertHidden, hasSharedGate: l < options.Levels - 1);
            built.Add(level);
            width = level.OutputDim;
        }
        levels = new ModuleList<CgcLevel>([.. built]);
        var towerList = Enumerable.Range(0, tasks).Select(_ => new Mlp(width, options.TowerHidden)).ToArray();
        towers = new ModuleList<Mlp>(towerList);
        heads = new ModuleList<Linear>(towerList.Select(t => nn.Linear(t.OutputDim, 1)).ToArray());
        Tasks = tasks;
        RegisterComponents();
    }

    public int Tasks { get; }

    /// <returns>[batch, tasks] logits</returns>
    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = input.forward(indices, values);                         // [batch, features]
        var states = Enumerable.Repeat(x, Tasks + 1).ToArray();         // level 1: every input is the embedding
        foreach (var level in levels) states = level.forward(states);   // Tasks (+1 below the top) × [batch, out]
        var logits = Enumerable.Range(0, Tasks).Select(t => heads[t].forward(towers[t].forward(states[t])));
        return cat(logits.ToList(), 1);                                 // [batch, tasks]
    }
}
