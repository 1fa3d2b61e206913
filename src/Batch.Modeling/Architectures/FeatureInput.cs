using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Embeds every categorical field and appends the numeric features; then the profile's interaction layer, if any
/// (<see cref="IInteractionPlugin"/>), whose weights are kept under its own name.
/// </summary>
public sealed class FeatureInput : nn.Module<Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "embeddings")]
    private readonly ModuleList<Embedding> _embeddings;
    // The layer is registered under its plug-in's module name, not held in a field, so that its weights keep that name.
    private readonly InteractionLayer? _interaction;

    public FeatureInput(IReadOnlyList<int> cardinalities, IReadOnlyList<int> embeddingDims, int numericCount, ArchitectureOptions options)
        : base(nameof(FeatureInput))
    {
        ArgumentNullException.ThrowIfNull(cardinalities);
        ArgumentNullException.ThrowIfNull(embeddingDims);
        ArgumentNullException.ThrowIfNull(options);
        _embeddings = new ModuleList<Embedding>(cardinalities.Select((c, j) => nn.Embedding(c, embeddingDims[j])).ToArray());
        // N(0, 1) is how the tables start already; redrawn only for another spread.
        if (options.EmbeddingInitStd != 1.0)
        {
            using var _ = no_grad();
            foreach (var table in _embeddings) table.weight!.normal_(0, options.EmbeddingInitStd);
        }
        var plain = embeddingDims.Sum() + numericCount;
        var plugin = Registries.Interactions.Get(options.Interaction);
        _interaction = plugin.Create(embeddingDims, plain, options);
        OutputDim = _interaction?.OutputDim ?? plain;
        RegisterComponents();
        if (_interaction is not null) register_module(plugin.ModuleName, _interaction.Module);
    }

    public int OutputDim { get; }

    /// <param name="indices">[batch, categorical] int64</param>
    /// <param name="values">[batch, numeric] float32</param>
    public override Tensor forward(Tensor indices, Tensor values)
    {
        var parts = new List<Tensor>(_embeddings.Count + 1);
        for (var j = 0; j < _embeddings.Count; j++) parts.Add(_embeddings[j].call(indices[.., j])); // [batch, dim]
        var fields = _interaction is { NeedsFields: true } && parts.Count > 0 ? stack(parts, 1) : null; // [batch, fields, dim]
        parts.Add(values);                                                                           // [batch, numeric]
        var x = cat(parts, 1);                                                                       // [batch, in]
        LastOutput = _interaction is null ? x : _interaction.Apply(fields, x);                       // [batch, OutputDim]
        return LastOutput;
    }

    /// <summary>
    /// What the last forward pass gave the architecture: the representation gradient methods take per-task
    /// gradients at, so that each task's backward pass stops here instead of reaching the embedding tables.
    /// Valid until that pass's tensors are disposed.
    /// </summary>
    public Tensor? LastOutput { get; private set; }
}
