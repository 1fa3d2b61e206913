using Batch.Lab.Synthetic;

namespace Batch.Lab.Benchmarks;

/// <summary>p = σ(o + uᵤ·vᵢ) with one factor vector per user and per item, trained by plain SGD with L2.</summary>
public sealed class LatentFactorisation
{
    private readonly double[,] _users;
    private readonly double[,] _items;
    private readonly int _rank;

    public LatentFactorisation(int users, int items, int rank, double scale, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _rank = rank;
        _users = new double[users, rank];
        _items = new double[items, rank];
        for (var u = 0; u < users; u++) for (var d = 0; d < rank; d++) _users[u, d] = scale * (random.NextDouble() - 0.5);
        for (var i = 0; i < items; i++) for (var d = 0; d < rank; d++) _items[i, d] = scale * (random.NextDouble() - 0.5);
    }

    /// <summary>Starts from given factors (one row per user or item).</summary>
    public LatentFactorisation(double[,] users, double[,] items)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        if (users.GetLength(1) != items.GetLength(1)) throw new ArgumentException("Users and items need factors of the same rank.");
        (_users, _items, _rank) = ((double[,])users.Clone(), (double[,])items.Clone(), users.GetLength(1));
    }

    public double UserFactor(int user, int d) => _users[user, d];
    public double ItemFactor(int item, int d) => _items[item, d];

    public double Predict(int user, int item, double offset) => SyntheticWorld.Sigmoid(offset + Dot(user, item));

    /// <summary>One SGD step on the logloss of one impression: g = p − y; u −= η(g·v + λu), v −= η(g·u + λv), both from the old values.</summary>
    public void Step(int user, int item, double offset, bool clicked, double learningRate, double l2)
    {
        var g = Predict(user, item, offset) - (clicked ? 1 : 0);
        for (var d = 0; d < _rank; d++)
        {
            var (u, v) = (_users[user, d], _items[item, d]);
            _users[user, d] = u - learningRate * (g * v + l2 * u);
            _items[item, d] = v - learningRate * (g * u + l2 * v);
        }
    }

    private double Dot(int user, int item)
    {
        double s = 0;
        for (var d = 0; d < _rank; d++) s += _users[user, d] * _items[item, d];
        return s;
    }
}
