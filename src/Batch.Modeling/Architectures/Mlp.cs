using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>Linear → ReLU (→ dropout) layers; the building block of experts and towers.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "layers")]
    private readonly Sequential _layers;

    /// <param name="dropout">probability of zeroing each hidden unit in training; no dropout layer when 0</param>
    public Mlp(int inputDim, IReadOnlyList<int> hidden, double dropout = 0) : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = inputDim;
        for (var i = 0; i < hidden.Count; i++)
        {
            modules.Add(($"linear{i}", nn.Linear(width, hidden[i])));
            modules.Add(($"relu{i}", nn.ReLU()));
            if (dropout > 0) modules.Add(($"dropout{i}", nn.Dropout(dropout)));
            width = hidden[i];
        }
        OutputDim = width;
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    public int OutputDim { get; }

    public override Tensor forward(Tensor input) => _layers.call(input); // [batch, OutputDim]
}
