using Batch.Modeling.Training;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// The wide part (Cheng et al., DLRS 2016): per task, a linear term over the one-hot categorical fields (crosses
/// included) and the numeric values — a weight per category of every field, looked up in one table per task whose
/// rows are the fields' slots laid end to end, plus a linear map of the numeric values. Each task's weights are its
/// own parameters. Starts at zero, as a linear model does.
/// </summary>
public sealed class WideLinear : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "tables")]
    private readonly ModuleList<Embedding> _tables;
    [ComponentName(Name = "numeric")]
    private readonly ModuleList<Linear> _numeric;
    private readonly long[] _starts;

    public WideLinear(IReadOnlyList<int> cardinalities, int numericCount, int tasks) : base(nameof(WideLinear))
    {
        ArgumentNullException.ThrowIfNull(cardinalities);
        _starts = new long[cardinalities.Count];
        for (var j = 1; j < _starts.Length; j++) _starts[j] = _starts[j - 1] + cardinalities[j - 1];
        var total = Math.Max(1, cardinalities.Sum());
        _tables = new ModuleList<Embedding>(Enumerable.Range(0, tasks).Select(_ => Zeroed(nn.Embedding(total, 1))).ToArray());
        _numeric = new ModuleList<Linear>(Enumerable.Range(0, tasks).Select(_ => Zeroed(nn.Linear(Math.Max(numericCount, 1), 1))).ToArray());
        NumericCount = numericCount;
        RegisterComponents();
    }

    private int NumericCount { get; }

    /// <param name="indices">[batch, fields] int64</param>
    /// <param name="values">[batch, numeric] float32</param>
    /// <returns>[batch, tasks] the wide logit of each task</returns>
    public override Tensor forward(Tensor indices, Tensor values)
    {
        var slots = indices.Plus(tensor(_starts, dtype: int64, device: indices.device).unsqueeze(0));  // [batch, fields]
        var dense = NumericCount > 0 ? values : zeros(values.shape[0], 1, device: values.device); // [batch, numeric or 1]
        return cat(Enumerable.Range(0, _tables.Count)
            .Select(t => _tables[t].call(slots).sum(1).Plus(_numeric[t].call(dense))).ToList(), 1);   // [batch, tasks]
    }

    /// <summary>Adds <paramref name="shifts"/>[task] to the bias of each task's numeric term.</summary>
    public void ShiftBiases(IReadOnlyList<double> shifts)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        using var _ = no_grad();
        for (var t = 0; t < _numeric.Count; t++) _numeric[t].bias!.add_(shifts[t]);
    }

    public IEnumerable<Parameter> Of(int task) => _tables[task].parameters().Concat(_numeric[task].parameters());

    private static T Zeroed<T>(T module) where T : nn.Module
    {
        using var _ = no_grad();
        foreach (var p in module.parameters()) p.zero_();
        return module;
    }
}
