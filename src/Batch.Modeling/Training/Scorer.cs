using Batch.Modeling.Features;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>Per-impression predictions of a model.</summary>
public sealed record Predictions(float[] Ctr, float[] Cvr, float[] Ctcvr);

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
        var ctr = new float[data.Rows];
        var cvr = new float[data.Rows];
        var ctcvr = new float[data.Rows];
        model.Network.eval();
        using var _ = no_grad();
        foreach (var (start, batch) in data.InOrder(BatchSize))
        {
            using var scope = NewDisposeScope();
            var (indices, values) = ModelInputs.Of(batch, model.Device);
            var (pCtr, pCvr, pCtcvr) = Esmm.Probabilities(model.Network.forward(indices, values));
            pCtr.cpu().data<float>().CopyTo(ctr, start);
            pCvr.cpu().data<float>().CopyTo(cvr, start);
            pCtcvr.cpu().data<float>().CopyTo(ctcvr, start);
        }
        return new Predictions(ctr, cvr, ctcvr);
    }
}
