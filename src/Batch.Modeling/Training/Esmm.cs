using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// ESMM (Ma et al., SIGIR 2018): the backbone's two logits are pCTR and pCVR; the model is trained on pCTR and
/// pCTCVR = pCTR · pCVR over all impressions, which avoids training CVR on clicked impressions only.
/// </summary>
public static class Esmm
{
    public const int CtrTask = 0;
    public const int CvrTask = 1;
    private const double Epsilon = 1e-7;

    /// <summary>The least pCTR an impression's inverse-propensity weight divides by, unless told otherwise.</summary>
    public const double PropensityFloor = 0.02;

    /// <returns>pCTR, pCVR and pCTCVR, each [batch]</returns>
    public static (Tensor Ctr, Tensor Cvr, Tensor Ctcvr) Probabilities(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        var ctr = logits[.., CtrTask].sigmoid();
        var cvr = logits[.., CvrTask].sigmoid();
        return (ctr, cvr, ctr * cvr);
    }

    /// <summary>The CTR and CTCVR binary cross-entropies over all impressions of the batch.</summary>
    public static (Tensor Ctr, Tensor Ctcvr) Losses(Tensor logits, Tensor clicked, Tensor converted)
    {
        var (ctr, _, ctcvr) = Probabilities(logits);
        return (
            nn.functional.binary_cross_entropy(ctr.Clamped(Epsilon, 1 - Epsilon), clicked),
            nn.functional.binary_cross_entropy(ctcvr.Clamped(Epsilon, 1 - Epsilon), converted));
    }

    /// <summary>
    /// ESCM²-IPS's counterfactual CVR loss: over all impressions of the batch, the mean of
    /// clicked · BCE(pCVR, converted) / max(pCTR, <paramref name="floor"/>), an unbiased estimate of pCVR's loss over
    /// every impression had each been clicked. pCTR is the propensity only: no gradient flows into it from here.
    /// </summary>
    /// <param name="floor">the least pCTR divided by: a higher floor caps the weights (less variance, more bias); 1 weighs every click alike</param>
    public static Tensor InversePropensityCvrLoss(Tensor logits, Tensor clicked, Tensor converted, double floor = PropensityFloor)
    {
        if (!(floor > 0 && floor <= 1)) throw new ArgumentOutOfRangeException(nameof(floor), floor, "The propensity floor is a probability above 0.");
        var (ctr, cvr, _) = Probabilities(logits);
        var loss = nn.functional.binary_cross_entropy(cvr.Clamped(Epsilon, 1 - Epsilon), converted, reduction: nn.Reduction.None);
        return (loss * clicked / ctr.detach().Clamped(floor, 1)).mean();
    }
}
