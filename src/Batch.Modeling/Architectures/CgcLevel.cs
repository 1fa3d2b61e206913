using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// One extraction level of PLE (Tang et al., RecSys 2020); CGC is one such level on its own.
/// </summary>
/// <remarks>
/// Each task owns <c>specific</c> experts that read that task's input; <c>shared</c> experts read the shared
/// input. Task gate t reads t's input and mixes t's specific experts with the shared experts. Below the top
/// level a shared gate reads the shared input and mixes every expert into the next level's shared input.
/// Each expert runs once per forward pass.
/// </remarks>
public sealed class CgcLevel : nn.Module
{
    [ComponentName(Name = "specific")]
    private readonly ModuleList<ModuleList<Mlp>> _specific;
    [ComponentName(Name = "shared")]
    private readonly ModuleList<Mlp> _shared;
    [ComponentName(Name = "task_gates")]
    private readonly ModuleList<Linear> _taskGates;
    [ComponentName(Name = "shared_gate")]
    private readonly ModuleList<Linear> _sharedGate; // empty at the top level

    public CgcLevel(int tasks, int inputDim, int specificExperts, int sharedExperts, IReadOnlyList<int> expertHidden, bool hasSharedGate, double dropout = 0)
        : base(nameof(CgcLevel))
    {
        _specific = new ModuleList<ModuleList<Mlp>>(Enumerable.Range(0, tasks)
            .Select(_ => new ModuleList<Mlp>(Enumerable.Range(0, specificExperts).Select(_ => new Mlp(inputDim, expertHidden, dropout)).ToArray()))
            .ToArray());
        _shared = new ModuleList<Mlp>(Enumerable.Range(0, sharedExperts).Select(_ => new Mlp(inputDim, expertHidden, dropout)).ToArray());
        _taskGates = new ModuleList<Linear>(Enumerable.Range(0, tasks).Select(_ => nn.Linear(inputDim, specificExperts + sharedExperts)).ToArray());
        _sharedGate = hasSharedGate
            ? new ModuleList<Linear>(nn.Linear(inputDim, tasks * specificExperts + sharedExperts))
            : new ModuleList<Linear>();
        OutputDim = expertHidden[^1];
        RegisterComponents();
    }

    public int OutputDim { get; }

    /// <param name="inputs">one [batch, in] input per task, then the shared input</param>
    /// <param name="mix">mixes expert outputs with a named gate (see <see cref="MultiTaskNetwork"/>)</param>
    /// <returns>one [batch, OutputDim] output per task, then the shared output when this level has a shared gate</returns>
    public Tensor[] Forward(Tensor[] inputs, Func<string, Linear, Tensor, IReadOnlyList<Tensor>, Tensor> mix)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(mix);
        var tasks = _specific.Count;
        var sharedInput = inputs[tasks];
        var sharedOut = _shared.Select(e => e.call(sharedInput)).ToList();                 // each [batch, out]
        var specificOut = Enumerable.Range(0, tasks)
            .Select(t => _specific[t].Select(e => e.call(inputs[t])).ToList()).ToList();  // [task][expert] [batch, out]

        var outputs = new List<Tensor>(tasks + 1);
        for (var t = 0; t < tasks; t++) outputs.Add(mix($"task{t}", _taskGates[t], inputs[t], [.. specificOut[t], .. sharedOut]));
        if (_sharedGate.Count == 1) outputs.Add(mix("shared", _sharedGate[0], sharedInput, [.. specificOut.SelectMany(e => e), .. sharedOut]));
        return [.. outputs];
    }

    /// <summary>Task <paramref name="task"/>'s specific experts and gate.</summary>
    public IEnumerable<Parameter> TaskParameters(int task) => _specific[task].parameters().Concat(_taskGates[task].parameters());
}
