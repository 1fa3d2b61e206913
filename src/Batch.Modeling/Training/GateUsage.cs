using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>Accumulates gate weights over many batches into each gate's mean weight per expert.</summary>
public sealed class GateUsage
{
    private readonly Dictionary<string, (double[] Sums, long Rows)> _gates = new(StringComparer.Ordinal);

    /// <param name="weights">[batch, experts]</param>
    public void Observe(string gate, Tensor weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        using var _ = no_grad();
        // dim named: a literal 0 would bind to the ScalarType overload (0 converts to any enum) and sum as bytes.
        var sums = weights.to(float64).sum(dim: 0L).cpu().data<double>().ToArray();
        if (_gates.TryGetValue(gate, out var seen))
        {
            for (var i = 0; i < sums.Length; i++) seen.Sums[i] += sums[i];
            _gates[gate] = (seen.Sums, seen.Rows + weights.shape[0]);
        }
        else
        {
            _gates[gate] = (sums, weights.shape[0]);
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyList<double>> Means() =>
        _gates.OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<double>)g.Value.Sums.Select(s => s / g.Value.Rows).ToArray(), StringComparer.Ordinal);
}
