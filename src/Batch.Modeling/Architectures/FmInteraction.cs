using Batch.Core.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// The factorisation machine's second-order term as features (Rendle, ICDM 2010; as in DeepFM and PNN): the
/// inner product of every pair of field embeddings, appended to the network's input. Needs every field embedded
/// in the same size. No parameters of its own.
/// </summary>
public sealed class FmInteraction : nn.Module<Tensor, Tensor>
{
    private readonly long[] _left;
    private readonly long[] _right;

    public FmInteraction(int fields) : base(nameof(FmInteraction))
    {
        var pairs = Enumerable.Range(0, fields).SelectMany(i => Enumerable.Range(i + 1, fields - i - 1).Select(j => (i, j))).ToArray();
        _left = pairs.Select(p => (long)p.i).ToArray();
        _right = pairs.Select(p => (long)p.j).ToArray();
        RegisterComponents();
    }

    /// <summary>How many values it appends: one per pair of fields.</summary>
    public int OutputDim => _left.Length;

    /// <param name="fields">[batch, fields, dim] the field embeddings</param>
    /// <returns>[batch, pairs] ⟨eᵢ, eⱼ⟩ for i &lt; j, in row-major order of the pairs</returns>
    public override Tensor forward(Tensor fields)
    {
        var left = fields.index_select(1, tensor(_left, device: fields.device));   // [batch, pairs, dim]
        var right = fields.index_select(1, tensor(_right, device: fields.device)); // [batch, pairs, dim]
        return (left * right).sum(dim: 2L);                                        // [batch, pairs]
    }
}

/// <summary>Registers <see cref="FmInteraction"/>: its inner products appended to the input.</summary>
public sealed class FmPlugin : IInteractionPlugin
{
    public string Name => "fm";
    public string Summary => "the inner product of every pair of field embeddings appended (the factorisation machine's second-order term, as in DeepFM)";
    public int Order => 10;
    public bool IsDefault => true;
    public string ModuleName => "fm";
    public IEnumerable<string> Problems(ArchitectureOptions options) => [];

    public InteractionLayer? Create(IReadOnlyList<int> fieldDims, int inputDim, ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(fieldDims);
        if (fieldDims.Distinct().Count() > 1)
            throw new ArgumentException("The fm interaction needs every field embedded in the same size; remove the per-column EmbeddingDim settings.");
        var fm = new FmInteraction(fieldDims.Count);
        return new InteractionLayer(fm, inputDim + fm.OutputDim, NeedsFields: true,
            (fields, x) => fields is null ? x : cat([x, fm.call(fields)], 1)); // [batch, in + pairs]
    }
}
