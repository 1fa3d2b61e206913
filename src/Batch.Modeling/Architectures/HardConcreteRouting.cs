using Batch.Modeling.Training;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Batch.Modeling.Architectures;

/// <summary>
/// SNR's learned connections (Ma et al., AAAI 2019) from <c>sources</c> sub-network outputs to <c>targets</c>
/// inputs: u_j = Σ_k z_jk · W_jk · v_k (transform) or u_j = Σ_k z_jk · v_k (average).
/// </summary>
/// <remarks>
/// The routing variables z follow the hard-concrete distribution of Louizos et al. (ICLR 2018): sampled while
/// training, their deterministic value at evaluation, and an L0 penalty (the expected number of open routes)
/// that pushes unneeded routes shut.
/// </remarks>
public sealed class HardConcreteRouting : nn.Module<Tensor, Tensor>
{
    private const double Beta = 2.0 / 3.0;
    private const double Gamma = -0.1;
    private const double Zeta = 1.1;

    [ComponentName(Name = "log_alpha")]
    private readonly Parameter _logAlpha; // [targets, sources]
    private readonly Parameter? _weight;  // [targets, sources, dim, dim] with transforms

    public HardConcreteRouting(int targets, int sources, int dim, bool transform) : base(nameof(HardConcreteRouting))
    {
        _logAlpha = new Parameter(full(targets, sources, 3.0) + 0.01 * randn(targets, sources));
        RegisterComponents();
        if (transform)
        {
            // Each W_jk starts near the identity, so a new transform route passes its source through.
            _weight = new Parameter(eye(dim).expand(targets, sources, dim, dim).contiguous() + randn(targets, sources, dim, dim) / (10 * Math.Sqrt(dim)));
            register_parameter("weight", _weight);
        }
    }

    /// <summary>z: sampled in training mode, deterministic in evaluation mode. [targets, sources] in [0, 1].</summary>
    public Tensor Gates()
    {
        if (!training) return Stretched(_logAlpha.sigmoid());
        var u = rand_like(_logAlpha).Clamped(1e-6, 1 - 1e-6);
        var s = (u.log() - u.neg().Plus(1).log()).Plus(_logAlpha).DividedBy(Beta).sigmoid();
        return Stretched(s);
    }

    /// <summary>The expected number of open routes, differentiable in log α.</summary>
    public Tensor L0() => _logAlpha.Plus(-(Beta * Math.Log(-Gamma / Zeta))).sigmoid().sum();

    // s stretched to (γ, ζ) and clipped to [0, 1].
    private static Tensor Stretched(Tensor s) => s.Times(Zeta - Gamma).Plus(Gamma).Clamped(0, 1);

    /// <summary>Routes open at evaluation, and all routes.</summary>
    public (long Open, long Total) OpenRoutes()
    {
        using var _ = no_grad();
        var z = Stretched(_logAlpha.sigmoid());
        return (z.gt(0).sum().item<long>(), z.numel());
    }

    /// <param name="sources">[batch, sources, dim]</param>
    /// <returns>[batch, targets, dim]</returns>
    public override Tensor forward(Tensor sources)
    {
        var z = Gates();
        return _weight is null
            ? einsum("jk,bki->bji", z, sources)
            : einsum("jk,jkoi,bki->bjo", z, _weight, sources);
    }
}
