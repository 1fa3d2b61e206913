using Batch.Modeling.Training;
using Batch.Core.Options;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Batch.Modeling.Balancers;

/// <summary>
/// Uncertainty weighting: L = Σ L_t / (2·e^{s_t}) + s_t / 2 with a learned log-variance s_t per task.
/// </summary>
/// <remarks>Kendall, Gal and Cipolla, "Multi-Task Learning Using Uncertainty to Weigh Losses", CVPR 2018.</remarks>
public sealed class UncertaintyWeighting : LossBalancer
{
    private readonly Parameter _logVariance;

    public UncertaintyWeighting(int tasks, Device? device = null, double[]? initial = null)
    {
        _logVariance = new Parameter(initial is null ? zeros(tasks, dtype: float32, device: device) : tensor(initial.Select(v => (float)v).ToArray(), device: device));
    }

    public override IEnumerable<Parameter> Parameters => [_logVariance];

    public override bool MeasuresGradients => false;

    public override BalancerStep Backward(IReadOnlyList<Tensor> losses, BalancerContext context)
    {
        ArgumentNullException.ThrowIfNull(losses);
        Total(losses).backward();
        using var _ = no_grad();
        var weights = (-_logVariance).exp().Times(0.5).data<float>().Select(w => (double)w).ToArray();
        return new BalancerStep(weights, null);
    }

    /// <summary>The weighted loss for the current log-variances.</summary>
    public Tensor Total(IReadOnlyList<Tensor> losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        return losses.Select((l, t) => (l.Times(0.5) * (-_logVariance[t]).exp()).Plus(_logVariance[t].Times(0.5))).Aggregate((a, b) => a.Plus(b));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _logVariance.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Registers <see cref="UncertaintyWeighting"/>.</summary>
public sealed class UncertaintyPlugin : IBalancerPlugin
{
    public string Name => "uncertainty";
    public string Summary => "learned homoscedastic uncertainty per task (Kendall et al., CVPR 2018)";
    public int Order => 10;
    public IEnumerable<string> Problems(BalancerOptions options) => [];
    public ILossBalancer Create(BalancerOptions options, int tasks, Device device) => new UncertaintyWeighting(tasks, device);
}
