using Batch.Core.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// DCN-v2's cross network (Wang et al., WWW 2021), stacked before the architecture: x₀ is the input,
/// x_{l+1} = x₀ ⊙ (W_l x_l + b_l) + x_l with full-rank W_l. Each layer adds one degree of explicit feature
/// crossing; the output has the input's size.
/// </summary>
public sealed class CrossNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;

    public CrossNetwork(int dim, int layers) : base(nameof(CrossNetwork))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        this.layers = new ModuleList<Linear>(Enumerable.Range(0, layers).Select(_ => nn.Linear(dim, dim)).ToArray());
        RegisterComponents();
    }

    /// <param name="x0">[batch, dim]</param>
    /// <returns>[batch, dim]</returns>
    public override Tensor forward(Tensor x0)
    {
        var x = x0;
        foreach (var layer in layers) x = x0 * layer.call(x) + x; // [batch, dim]
        return x;
    }
}

/// <summary>Registers <see cref="CrossNetwork"/> over the whole input.</summary>
public sealed class DcnV2Plugin : IInteractionPlugin
{
    public string Name => "dcn-v2";
    public string Summary => "CrossLayers cross layers x_{l+1} = x₀ ⊙ (W_l x_l + b_l) + x_l over the whole input (DCN-v2, Wang et al., 2021)";
    public int Order => 20;
    public string ModuleName => "cross";

    public IEnumerable<string> Problems(ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CrossLayers < 1) yield return "CrossLayers must be at least 1";
    }

    public InteractionLayer? Create(IReadOnlyList<int> fieldDims, int inputDim, ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cross = new CrossNetwork(inputDim, options.CrossLayers);
        return new InteractionLayer(cross, inputDim, NeedsFields: false, (_, x) => cross.call(x)); // [batch, in]
    }
}
