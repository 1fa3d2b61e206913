using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// One extraction level of PLE (Tang et al., RecSys 2020), which is CGC when used alone.
/// </summary>
/// <remarks>
/// Each task owns <c>specific</c> experts that read that task's input; <c>shared</c> experts read the shared
/// input. Task gate t mixes t's specific experts with the shared experts, reading t's input. Below the top level
/// a shared gate, reading the shared input, mixes every expert into the next level's shared input. Each
/// expert runs once per forward pass.
/// </remarks>
public sealed class CgcLevel : nn.Module<Tensor[], Tensor[]>
{
    private readonly ModuleList<ModuleList<Mlp>> specific;
    private readonly ModuleList<Mlp> shared;
    private readonly ModuleList<Linear> task_gates;
    private readonly ModuleList<Linear> shared_gate; // empty at the top level

    public CgcLevel(int tasks, int inputDim, int specificExperts, int sharedExperts, IReadOnlyList<int> expertHidden, bool hasSharedGate)
        : base(nameof(CgcLevel))
    {
        specific = new ModuleList<ModuleList<Mlp>>(Enumerable.Range(0, tasks)
            .Select(_ => new ModuleList<Mlp>(Enumerable.Range(0, specificExperts).Select(_ => new Mlp(inputDim, expertHidden)).ToArray()))
            .ToArray());
        shared = new ModuleList<Mlp>(Enumerable.Range(0, sharedExperts).Select(_ => new Mlp(inputDim, expertHidden)).ToArray());
        task_gates = new ModuleList<Linear>(Enumerable.Range(0, tasks).Select(_ => nn.Linear(inputDim, specificExperts + sharedExperts)).ToArray());
        shared_gate = hasSharedGate
            ? new ModuleList<Linear>(nn.Linear(inputDim, tasks * specificExperts + sharedExperts))
            : new ModuleList<Linear>();
        OutputDim = expertHidden[^1];
        RegisterComponents();
    }

    public int OutputDim { get; }

    /// <param name="inputs">one [batch, in] input per task, then the shared input</param>
    /// <returns>one [batch, OutputDim] output per task, then the shared output when this level has a shared gate</returns>
    public override Tensor[] forward(Tensor[] inputs)
    {
        var tasks = specific.Count;
        var sharedInput = inputs[tasks];
        var sharedOut = shared.Select(e => e.forward(sharedInput)).ToList();                   // each [batch, out]
        var specificOut = Enumerable.Range(0, tasks)
            .Select(t => specific[t].Select(e => e.forward(inputs[t])).ToList()).ToList();    // [task][expert] [batch, out]

        var outputs = new List<Tensor>(tasks + 1);
        for (var t = 0; t < tasks; t++)
        {
            var experts = stack(specificOut[t].Concat(sharedOut), 1);                     // [batch, experts, out]
            var weights = nn.functional.softmax(task_gates[t].forward(inputs[t]), 1);     // [batch, experts]
            outputs.Add(bmm(weights.unsqueeze(1), experts).squeeze(1));                   // [batch, out]
        }
        if (shared_gate.Count == 1)
        {
            var all = stack(specificOut.SelectMany(e => e).Concat(sharedOut), 1);         // [batch, all experts, out]
            var weights = nn.functional.softmax(shared_gate[0].forward(sharedInput), 1);  // [batch, all experts]
            outputs.Add(bmm(weights.unsqueeze(1), all).squeeze(1));                      // [batch, out]
        }
        return [.. outputs];
    }
}
