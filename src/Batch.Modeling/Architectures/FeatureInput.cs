using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Embeds every categorical field and appends the numeric features; then the interaction layer, if any:
/// <c>fm</c> appends the inner products of every pair of field embeddings, <c>dcn-v2</c> passes the whole input
/// through cross layers.
/// </summary>
public sealed class FeatureInput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<Embedding> embeddings;
    private readonly FmInteraction? fm;
    private readonly CrossNetwork? cross;

    public FeatureInput(IReadOnlyList<int> cardinalities, IReadOnlyList<int> embeddingDims, int numericCount, string interaction = "none", int crossLayers = 2)
        : base(nameof(FeatureInput))
    {
        ArgumentNullException.ThrowIfNull(cardinalities);
        ArgumentNullException.ThrowIfNull(embeddingDims);
        embeddings = new ModuleList<Embedding>(cardinalities.Select((c, j) => nn.Embedding(c, embeddingDims[j])).ToArray());
        OutputDim = embeddingDims.Sum() + numericCount;
        switch (interaction)
        {
            case "fm":
                if (embeddingDims.Distinct().Count() > 1)
                    throw new ArgumentException("The fm interaction needs every field embedded in the same size; remove the per-column EmbeddingDim settings.");
                fm = new FmInteraction(cardinalities.Count);
                OutputDim += fm.OutputDim;
                break;
            case "dcn-v2":
                cross = new CrossNetwork(OutputDim, crossLayers);
                break;
            case "none":
                break;
            default:
                throw new ArgumentException($"Unknown interaction layer '{interaction}' (none, fm, dcn-v2).");
        }
        RegisterComponents();
    }

    public int OutputDim { get; }

    /// <param name="indices">[batch, categorical] int64</param>
    /// <param name="values">[batch, numeric] float32</param>
    public override Tensor forward(Tensor indices, Tensor values)
    {
        var parts = new List<Tensor>(embeddings.Count + 2);
        for (var j = 0; j < embeddings.Count; j++) parts.Add(embeddings[j].call(indices[.., j])); // [batch, dim]
        var fields = fm is null || parts.Count == 0 ? null : stack(parts, 1);                    // [batch, fields, dim]
        parts.Add(values);                                                                           // [batch, numeric]
        if (fields is not null) parts.Add(fm!.call(fields));                                         // [batch, pairs]
        var x = cat(parts, 1);                                                                       // [batch, OutputDim]
        return cross is null ? x : cross.call(x);
    }
}
