using TorchSharp;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>
/// Tensor arithmetic with a number whose libtorch scalar is held until the call returns. TorchSharp's implicit
/// conversion (<c>tensor * 0.5</c>) makes a <see cref="Scalar"/> whose last reference ends when its handle is read;
/// a garbage collection during the native call can then finalise it while libtorch still reads it (see
/// <see cref="AdamWOptimizer"/>). The hot paths — every training step's losses and balancer weights — use these.
/// </summary>
public static class HeldScalars
{
    // The alpha of every addition here. TorchSharp's add(x) is add(x, 1) with a temporary 1 of its own. A static
    // field is a root, so this one is never finalised.
    internal static readonly Scalar One = 1.ToScalar();

    /// <summary><paramref name="tensor"/> + <paramref name="other"/>, with the alpha held (TorchSharp's <c>+</c> makes a temporary one).</summary>
    public static Tensor Plus(this Tensor tensor, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.add(other, One);
    }

    /// <summary><paramref name="tensor"/> · <paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor tensor, double factor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var held = factor.ToScalar();
        return tensor.mul(held);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="term"/>.</summary>
    public static Tensor Plus(this Tensor tensor, double term)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var held = term.ToScalar();
        return tensor.add(held, One);
    }

    /// <summary><paramref name="tensor"/> / <paramref name="divisor"/>.</summary>
    public static Tensor DividedBy(this Tensor tensor, double divisor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var held = divisor.ToScalar();
        return tensor.div(held);
    }

    /// <summary><paramref name="tensor"/> clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor Clamped(this Tensor tensor, double min, double max)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return tensor.clamp(low, high);
    }
}
