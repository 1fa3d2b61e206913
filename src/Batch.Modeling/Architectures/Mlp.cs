using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>Linear → ReLU layers; the building block of experts and towers.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;

    public Mlp(int inputDim, IReadOnlyList<int> hidden) : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = inputDim;
        for (var i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, hidden[i])));
            modules.Add(($"relu{i}", nn.ReLU()));
            width = hidden[i];
        }
        OutputDim = width;
        layers = nn.Sequential(modules);
        RegisterComponents();
    }

    public int OutputDim { get; }

    public override Tensor forward(Tensor input) => layers.call(input); // [batch, OutputDim]
}
