using Batch.Core.Options;
using Batch.Modeling.Plugins;
using Batch.Modeling.Training;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// DCN-v2's cross network (Wang et al., WWW 2021), stacked before the architecture: x₀ is the input,
/// x_{l+1} = x₀ ⊙ (W_l x_l + b_l) + x_l with full-rank W_l. Each layer adds one degree of explicit feature
/// crossing; the output has the input's size.
/// </summary>
public sealed class CrossNetwork : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "layers")]
    private readonly ModuleList<Linear> _layers;

    public CrossNetwork(int dim, int layers) : base(nameof(CrossNetwork))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        _layers = new ModuleList<Linear>(Enumerable.Range(0, layers).Select(_ => nn.Linear(dim, dim)).ToArray());
        RegisterComponents();
    }

    /// <param name="x0">[batch, dim]</param>
    /// <returns>[batch, dim]</returns>
    public override Tensor forward(Tensor x0)
    {
        var x = x0;
        foreach (var layer in _layers) x = (x0 * layer.call(x)).Plus(x); // [batch, dim]
        return x;
    }
}

/// <summary>The settings of DCN-v2: how many cross layers.</summary>
public sealed class DcnV2Settings : IPluginSettings
{
    public int CrossLayers { get; set; } = 2;

    public IEnumerable<string> Problems()
    {
        if (CrossLayers < 1) yield return "CrossLayers must be at least 1";
    }
}

/// <summary>Registers <see cref="CrossNetwork"/> over the whole input.</summary>
public sealed class DcnV2Plugin : IInteractionPlugin
{
    public string Name => "dcn-v2";
    public string Summary => "CrossLayers cross layers x_{l+1} = x₀ ⊙ (W_l x_l + b_l) + x_l over the whole input (DCN-v2, Wang et al., 2021)";
    public int Order => 20;
    public string ModuleName => "cross";

    public Type? SettingsType => typeof(DcnV2Settings);

    public IEnumerable<string> Problems(ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<DcnV2Settings>(PluginSettingsJson.ArchitecturePath, Name);
    }

    public InteractionLayer? Create(IReadOnlyList<int> fieldDims, int inputDim, ArchitectureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cross = new CrossNetwork(inputDim, options.Settings.Read<DcnV2Settings>(Name).CrossLayers);
        return new InteractionLayer(cross, inputDim, NeedsFields: false, (_, x) => cross.call(x)); // [batch, in]
    }
}
