using Batch.Modeling.Features;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>Encoded rows as the network's inputs: indices widened from the frame's int32 to the int64 the embeddings read.</summary>
internal static class ModelInputs
{
    /// <summary>A batch's rows, on the device.</summary>
    public static (Tensor Indices, Tensor Values) Of(EncodedBatch batch, Device device) =>
        (Indices(tensor(batch.Indices, [batch.Count, batch.CategoricalCount], dtype: int32, device: device)),
         tensor(batch.Values, [batch.Count, batch.NumericCount], dtype: float32, device: device));

    /// <summary>A batch's targets [rows, tasks], on the device.</summary>
    public static Tensor Targets(EncodedBatch batch, Device device) => tensor(batch.Targets, [batch.Count, batch.TaskCount], dtype: float32, device: device);

    /// <summary>An int32 index tensor (or a selection of one) as the network reads it.</summary>
    public static Tensor Indices(Tensor int32Indices) => int32Indices.to_type(int64);
}
