using Batch.Core.Options;
using Batch.Modeling.Architectures;

namespace Batch.Lab.Benchmarks;

/// <summary>Sizes an architecture so that its parameter count comes as close as it can to a budget.</summary>
public static class ParameterMatching
{
    public static long Count(ArchitectureContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var network = ArchitectureCatalog.Create(context);
        return network.parameters().Sum(p => p.numel());
    }

    /// <summary>The width in [1, 4096] whose architecture has the parameter count nearest <paramref name="budget"/>.</summary>
    /// <param name="withWidth">the options for a given width; the count must grow with the width</param>
    public static (ArchitectureOptions Options, long Parameters) Match(
        IReadOnlyList<int> cardinalities, int numericCount, int tasks, long budget, Func<int, ArchitectureOptions> withWidth)
    {
        ArgumentNullException.ThrowIfNull(withWidth);
        long CountAt(int w) => Count(new ArchitectureContext(cardinalities, numericCount, tasks, withWidth(w)));
        int lo = 1, hi = 4096;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (CountAt(mid) < budget) lo = mid + 1; else hi = mid;
        }
        var best = lo > 1 && Math.Abs(CountAt(lo - 1) - budget) < Math.Abs(CountAt(lo) - budget) ? lo - 1 : lo;
        return (withWidth(best), CountAt(best));
    }
}
