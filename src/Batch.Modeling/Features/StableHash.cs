using System.Text;

namespace Batch.Modeling.Features;

/// <summary>
/// 64-bit FNV-1a over the UTF-8 bytes of a value: the same bucket in every process, on every machine, and in any
/// serving code that implements the same few lines (unlike <see cref="string.GetHashCode()"/>, randomised per process).
/// </summary>
public static class StableHash
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Fnv1a(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = Offset;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash ^= b;
            hash *= Prime;
        }
        return hash;
    }

    /// <summary>The slot of a value hashed into <paramref name="buckets"/> buckets: 1 … buckets (slot 0 is for null).</summary>
    public static long Bucket(string value, int buckets) => 1 + (long)(Fnv1a(value) % (ulong)buckets);
}
