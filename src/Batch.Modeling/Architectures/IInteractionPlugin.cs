using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// A layer between the field embeddings and the architecture, by name. It sees the input (embeddings and numeric
/// values, concatenated) and the field embeddings stacked, and gives the architecture's input.
/// </summary>
[PluginKind("interaction layer")]
public interface IInteractionPlugin : IPlugin
{
    /// <summary>The name its weights are stored under in the input (<c>input.{ModuleName}.…</c>).</summary>
    string ModuleName { get; }

    IEnumerable<string> Problems(ArchitectureOptions options);

    /// <summary>The layer for fields of <paramref name="fieldDims"/> sizes and an input of <paramref name="inputDim"/>; null for none.</summary>
    /// <exception cref="ArgumentException">The fields do not suit the layer.</exception>
    InteractionLayer? Create(IReadOnlyList<int> fieldDims, int inputDim, ArchitectureOptions options);
}

/// <summary>
/// A built interaction layer: its module (weights), the size of what it gives, and how it turns (stacked field
/// embeddings [batch, fields, dim] or null, input [batch, in]) into [batch, OutputDim].
/// </summary>
public sealed record InteractionLayer(nn.Module Module, int OutputDim, bool NeedsFields, Func<Tensor?, Tensor, Tensor> Apply);

/// <summary>No layer: the embeddings and values go to the architecture as they are.</summary>
public sealed class NoInteraction : IInteractionPlugin
{
    public string Name => "none";
    public string Summary => "the embeddings and numeric values as they are";
    public int Order => 0;
    public bool ListedByDefault => false;
    public string ModuleName => "";
    public IEnumerable<string> Problems(ArchitectureOptions options) => [];
    public InteractionLayer? Create(IReadOnlyList<int> fieldDims, int inputDim, ArchitectureOptions options) => null;
}
