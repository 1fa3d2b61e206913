namespace Batch.Core.Options;

/// <summary>The transforms a numeric feature column takes before it is standardised: one definition, for validation and encoding.</summary>
public static class NumericTransform
{
    /// <summary>
    /// <paramref name="value"/> transformed as <paramref name="transform"/> says: <c>log1p</c> (ln(1 + v)), <c>clip</c> (to
    /// [min, max]) or <c>none</c>; null where the transform cannot take the value (log1p of a value at or below −1).
    /// </summary>
    public static double? Apply(string transform, double? clipMin, double? clipMax, double value) => transform switch
    {
        FeatureOptions.Log1p => value > -1 ? Math.Log(1 + value) : null,
        FeatureOptions.Clip => Math.Clamp(value, clipMin ?? double.NegativeInfinity, clipMax ?? double.PositiveInfinity),
        _ => value,
    };

    /// <summary>The values <paramref name="transform"/> can take, in words.</summary>
    public static string Domain(string transform) => transform == FeatureOptions.Log1p ? "values above −1" : "any finite value";
}
