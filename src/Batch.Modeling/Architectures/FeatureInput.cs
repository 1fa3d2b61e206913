using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>Embeds every categorical feature and appends the standardised numeric features.</summary>
public sealed class FeatureInput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<Embedding> embeddings;

    public FeatureInput(IReadOnlyList<int> cardinalities, IReadOnlyList<int> embeddingDims, int numericCount) : base(nameof(FeatureInput))
    {
        ArgumentNullException.ThrowIfNull(cardinalities);
        ArgumentNullException.ThrowIfNull(embeddingDims);
        embeddings = new ModuleList<Embedding>(cardinalities.Select((c, j) => nn.Embedding(c, embeddingDims[j])).ToArray());
        OutputDim = embeddingDims.Sum() + numericCount;
        RegisterComponents();
    }

    public int OutputDim { get; }

    /// <param name="indices">[batch, categorical] int64</param>
    /// <param name="values">[batch, numeric] float32</param>
    public override Tensor forward(Tensor indices, Tensor values)
    {
        var parts = new List<Tensor>(embeddings.Count + 1);
        for (var j = 0; j < embeddings.Count; j++) parts.Add(embeddings[j].call(indices[.., j])); // [batch, dim]
        parts.Add(values);                                                                           // [batch, numeric]
        return cat(parts, 1);                                                                        // [batch, OutputDim]
    }
}
