using static TorchSharp.torch;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
namespace Batch.Modeling.Balancers;

/// <summary>PE-LTR: per step, the weights of <see cref="PeLtrSolver"/> applied to the task gradients on the shared dense parameters.</summary>
/// <remarks>Lin et al., RecSys 2019.</remarks>
public sealed class PeLtr(IReadOnlyList<double> lowerBounds) : GradientCombiningBalancer
{
    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses) => PeLtrSolver.Solve(gram, lowerBounds);
}

/// <summary>Registers <see cref="PeLtr"/>.</summary>
public sealed class PeLtrPlugin : IBalancerPlugin
{
    public const string Id = "pe-ltr";
    public string Name => Id;
    public string Summary => "Pareto-efficient weights with a lower bound per task (LowerBounds; Lin et al., RecSys 2019)";
    public int Order => 40;

    public Type? SettingsType => typeof(PeLtrSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<PeLtrSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bounds = options.Settings.Read<PeLtrSettings>(Name).LowerBounds;
        if (bounds.Count is not 0 && bounds.Count != tasks)
            throw new ArgumentException($"{PluginSettingsJson.BalancerPath}:{Name}:LowerBounds has {bounds.Count} bounds for {tasks} tasks.");
        return new PeLtr(bounds);
    }
}

/// <summary>The settings of PE-LTR.</summary>
public sealed class PeLtrSettings : IPluginSettings
{
    /// <summary>The lower bound c_t of each task's weight (empty: 0 each); their sum must stay below 1.</summary>
    public List<double> LowerBounds { get; set; } = [];

    public IEnumerable<string> Problems()
    {
        if (LowerBounds.Any(c => !(c >= 0)) || !(LowerBounds.Sum() < 1)) yield return "LowerBounds must not be negative and must sum to less than 1";
    }
}
