namespace Batch.Tests.Support;

/// <summary>Equality within an absolute tolerance, for comparing computed numbers with hand-computed ones element by element.</summary>
public sealed class Tolerance(double tolerance) : IEqualityComparer<double>, IEqualityComparer<float>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
    public int GetHashCode(double obj) => 0;
    public int GetHashCode(float obj) => 0;
}
