using Batch.Modeling.Training;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// Sub-Network Routing (Ma et al., AAAI 2019): layers of sub-networks joined by learned, sparse routes, the top
/// layer routed into one tower per task. SNR-Trans routes through a linear transform per connection; SNR-Aver
/// takes a weighted sum.
/// </summary>
public sealed class Snr : MultiTaskNetwork
{
    [ComponentName(Name = "input")]
    private readonly FeatureInput _input;
    [ComponentName(Name = "layers")]
    private readonly ModuleList<ModuleList<Mlp>> _layers;
    [ComponentName(Name = "routes")]
    private readonly ModuleList<HardConcreteRouting> _routes;       // layer i-1 → layer i
    [ComponentName(Name = "task_routes")]
    private readonly ModuleList<HardConcreteRouting> _taskRoutes;  // top layer → task t
    [ComponentName(Name = "towers")]
    private readonly TaskTowers _towers;
    private readonly double _l0Weight;

    public Snr(ArchitectureContext context, bool transform, SnrSettings settings) : base(nameof(Snr), context.Tasks)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var o = context.Options;
        var counts = settings.SubNetworks;
        _input = context.NewInput();
        var dim = o.ExpertHidden[^1];
        _layers = new ModuleList<ModuleList<Mlp>>(counts.Select((count, i) => new ModuleList<Mlp>(
            Enumerable.Range(0, count).Select(_ => new Mlp(i == 0 ? _input.OutputDim : dim, o.ExpertHidden, o.Dropout)).ToArray())).ToArray());
        _routes = new ModuleList<HardConcreteRouting>(Enumerable.Range(1, counts.Count - 1)
            .Select(i => new HardConcreteRouting(counts[i], counts[i - 1], dim, transform)).ToArray());
        _taskRoutes = new ModuleList<HardConcreteRouting>(Enumerable.Range(0, context.Tasks)
            .Select(_ => new HardConcreteRouting(1, counts[^1], dim, transform)).ToArray());
        _towers = new TaskTowers(context.Tasks, dim, o.TowerHidden, o.Dropout);
        _l0Weight = settings.L0Weight;
        RegisterComponents();
    }

    public override Tensor forward(Tensor indices, Tensor values)
    {
        var x = _input.call(indices, values);                                   // [batch, features]
        var v = stack(_layers[0].Select(s => s.call(x)).ToList(), 1);            // [batch, K1, dim]
        for (var i = 1; i < _layers.Count; i++)
        {
            var u = _routes[i - 1].call(v);                                      // [batch, Ki, dim]
            v = stack(_layers[i].Select((s, j) => s.call(u[.., j])).ToList(), 1); // [batch, Ki, dim]
        }
        return _towers.call(_taskRoutes.Select(r => r.call(v)[.., 0]).ToArray()); // [batch, tasks]
    }

    public override Tensor? AuxiliaryLoss() =>
        _routes.Concat(_taskRoutes).Select(r => r.L0()).Aggregate((a, b) => a.Plus(b)).Times(_l0Weight);

    public override double? OpenRouteFraction()
    {
        var counts = _routes.Concat(_taskRoutes).Select(r => r.OpenRoutes()).ToList();
        return (double)counts.Sum(c => c.Open) / counts.Sum(c => c.Total);
    }

    public override IEnumerable<Parameter> TaskParameters(int task) => _taskRoutes[task].parameters().Concat(_towers.Of(task));

    public override IEnumerable<Parameter> SharedParameters()
    {
        var own = Enumerable.Range(0, Tasks).SelectMany(TaskParameters).ToHashSet(ReferenceEqualityComparer.Instance);
        return parameters().Where(p => !own.Contains(p));
    }
}

/// <summary>The settings of SNR: its layers of sub-networks and the weight of the routes' L0 penalty.</summary>
public sealed class SnrSettings : IPluginSettings
{
    /// <summary>The number of sub-networks in each layer, bottom first.</summary>
    public List<int> SubNetworks { get; set; } = [3, 2];

    /// <summary>The weight of the L0 penalty on the routing variables.</summary>
    public double L0Weight { get; set; } = 1e-3;

    public IEnumerable<string> Problems()
    {
        if (SubNetworks.Count == 0 || SubNetworks.Any(n => n < 1)) yield return "SubNetworks needs a positive count per layer";
        if (L0Weight < 0 || !double.IsFinite(L0Weight)) yield return "L0Weight must be finite and not negative";
    }
}

/// <summary>What both SNR variants register: their checks and how they are built.</summary>
public abstract class SnrPlugin(bool transform) : IArchitecturePlugin
{
    public abstract string Name { get; }
    public abstract string Summary { get; }
    public abstract int Order { get; }
    public Type? SettingsType => typeof(SnrSettings);
    public IEnumerable<string> Problems(ArchitectureOptions options) => DeepSizes.With<SnrSettings>(Name, options);

    public MultiTaskNetwork Create(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Snr(context, transform, context.Options.Settings.Read<SnrSettings>(Name));
    }
}
/// <summary>Registers <see cref="Snr"/> with a linear transform per route.</summary>
public sealed class SnrTransPlugin() : SnrPlugin(transform: true)
{
    public override string Name => "snr-trans";
    public override string Summary => "layers of sub-networks joined by hard-concrete routes through a transform each, with an L0 penalty (Ma et al., AAAI 2019)";
    public override int Order => 60;
}

/// <summary>Registers <see cref="Snr"/> with weighted sums for routes.</summary>
public sealed class SnrAverPlugin() : SnrPlugin(transform: false)
{
    public override string Name => "snr-aver";
    public override string Summary => "layers of sub-networks joined by hard-concrete weighted sums, with an L0 penalty (Ma et al., AAAI 2019)";
    public override int Order => 70;
}
