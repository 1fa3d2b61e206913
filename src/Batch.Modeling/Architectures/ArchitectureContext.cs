using Batch.Core.Options;
using TorchSharp.Modules;

namespace Batch.Modeling.Architectures;

/// <summary>What every architecture is built from: the feature layout, the number of tasks and the sizes.</summary>
public sealed record ArchitectureContext(IReadOnlyList<int> Cardinalities, int NumericCount, int Tasks, ArchitectureOptions Options)
{
    public FeatureInput NewInput() => new(Cardinalities, Options.EmbeddingDim, NumericCount);

    public ModuleList<Mlp> NewExperts(int inputDim, int count) =>
        new(Enumerable.Range(0, count).Select(_ => new Mlp(inputDim, Options.ExpertHidden)).ToArray());
}
