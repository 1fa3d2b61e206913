using Batch.Modeling.Features;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>Per-impression predictions of a model: one column per output of its tasks (<see cref="TaskSet.Outputs"/>).</summary>
public sealed record Predictions(IReadOnlyList<string> Names, IReadOnlyList<float[]> Columns)
{
    /// <summary>The column of output <paramref name="name"/>.</summary>
    public float[] this[string name]
    {
        get
        {
            for (var i = 0; i < Names.Count; i++)
                if (Names[i] == name) return Columns[i];
            throw new KeyNotFoundException($"The model has no output '{name}'; its outputs are {string.Join(", ", Names)}.");
        }
    }
}

public static class Scorer
{
    private const int BatchSize = 8192;

    /// <param name="gates">when given, receives every gate's weights over the frame</param>
    public static Predictions Predict(MultiTaskModel model, IEncodedRows data, GateUsage? gates = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        model.Network.GateObserver = gates is null ? null : gates.Observe;
        try { return PredictBatches(model, data); }
        finally { model.Network.GateObserver = null; }
    }

    private static Predictions PredictBatches(MultiTaskModel model, IEncodedRows data)
    {
        var tasks = model.Tasks;
        var columns = tasks.Outputs.Select(_ => new float[data.Rows]).ToArray();
        model.Network.eval();
        using var _ = no_grad();
        foreach (var (start, batch) in data.InOrder(BatchSize))
        {
            using var scope = NewDisposeScope();
            var (indices, values) = ModelInputs.Of(batch, model.Device);
            var outputs = tasks.Predict(model.Network.forward(indices, values));
            for (var o = 0; o < outputs.Count; o++) outputs[o].cpu().data<float>().CopyTo(columns[o], start);
        }
        return new Predictions(tasks.Outputs, columns);
    }
}
