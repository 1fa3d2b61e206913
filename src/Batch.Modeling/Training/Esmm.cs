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
}
