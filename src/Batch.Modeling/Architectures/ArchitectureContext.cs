using Batch.Core.Options;
using TorchSharp.Modules;

namespace Batch.Modeling.Architectures;

/// <summary>
/// What every architecture is built from: the feature layout (each field's table size and, where it has its own,
/// embedding size), the number of tasks and the sizes.
/// </summary>
public sealed record ArchitectureContext(IReadOnlyList<int> Cardinalities, int NumericCount, int Tasks, ArchitectureOptions Options, IReadOnlyList<int>? EmbeddingDims = null)
{
    /// <summary>Each field's embedding size: its own, or the architecture's <c>EmbeddingDim</c>.</summary>
    public IReadOnlyList<int> FieldDims => Cardinalities.Select((_, j) => EmbeddingDims is { } dims && j < dims.Count && dims[j] > 0 ? dims[j] : Options.EmbeddingDim).ToList();

    public FeatureInput NewInput() => new(Cardinalities, FieldDims, NumericCount, Options);

    public ModuleList<Mlp> NewExperts(int inputDim, int count) =>
        new(Enumerable.Range(0, count).Select(_ => new Mlp(inputDim, Options.ExpertHidden, Options.Dropout)).ToArray());
}
