namespace Batch.Modeling.Balancers;

/// <summary>
/// PE-LTR's weights: argmin ‖Σ w_i g_i‖² subject to Σ w = 1 and w_i ≥ c_i. The relaxed problem (equality only) is
/// solved in closed form from its KKT system, and its solution projected onto the feasible set.
/// </summary>
/// <remarks>
/// Lin et al., "A Pareto-Efficient Algorithm for Multiple Objective Optimization in E-Commerce Recommendation",
/// RecSys 2019 (the PE solver). With w = ŵ + c: minimise ‖G(ŵ + c)‖² s.t. Σŵ = 1 − Σc, i.e. solve
/// [M e; eᵀ 0]·[ŵ; λ] = [−Mc; 1 − Σc] with M = GGᵀ, then project ŵ onto {ŵ ≥ 0, Σŵ = 1 − Σc}.
/// </remarks>
public static class PeLtrSolver
{
    public static double[] Solve(double[,] gram, IReadOnlyList<double> lowerBounds)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(lowerBounds);
        var k = gram.GetLength(0);
        var c = lowerBounds.Count == 0 ? new double[k] : lowerBounds.ToArray();
        if (c.Length != k) throw new ArgumentException($"{c.Length} lower bounds for {k} tasks.");
        var budget = 1 - c.Sum();
        if (budget <= 0) throw new ArgumentException("The lower bounds must sum to less than 1.");

        // A ridge keeps the system solvable when gradients are collinear; it barely moves a regular solution.
        var trace = Enumerable.Range(0, k).Sum(i => gram[i, i]);
        var ridge = 1e-10 * Math.Max(trace, 1e-30);
        var a = new double[k + 1, k + 1];
        var b = new double[k + 1];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                a[i, j] = gram[i, j] + (i == j ? ridge : 0);
                b[i] -= gram[i, j] * c[j];
            }
            a[i, k] = 1;
            a[k, i] = 1;
        }
        b[k] = budget;
        var relaxed = LinearSystem.Solve(a, b).Take(k).ToArray();
        var projected = SimplexProjection.Project(relaxed, budget);
        return projected.Select((w, i) => w + c[i]).ToArray();
    }
}

/// <summary>Euclidean projection onto {x ≥ 0, Σx = s} (sort and threshold).</summary>
public static class SimplexProjection
{
    public static double[] Project(double[] v, double sum)
    {
        ArgumentNullException.ThrowIfNull(v);
        var sorted = v.OrderByDescending(x => x).ToArray();
        double cumulative = 0, theta = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            cumulative += sorted[i];
            var candidate = (cumulative - sum) / (i + 1);
            if (sorted[i] - candidate > 0) theta = candidate;
        }
        return v.Select(x => Math.Max(x - theta, 0)).ToArray();
    }
}

/// <summary>Gaussian elimination with partial pivoting, for the small systems of the solvers.</summary>
public static class LinearSystem
{
    public static double[] Solve(double[,] a, double[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var col = 0; col < n; col++)
        {
            var pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(m[r, col]));
            if (Math.Abs(m[pivot, col]) < 1e-300) throw new InvalidOperationException("The system is singular.");
            if (pivot != col)
            {
                for (var j = 0; j < n; j++) (m[col, j], m[pivot, j]) = (m[pivot, j], m[col, j]);
                (x[col], x[pivot]) = (x[pivot], x[col]);
            }
            for (var r = col + 1; r < n; r++)
            {
                var f = m[r, col] / m[col, col];
                for (var j = col; j < n; j++) m[r, j] -= f * m[col, j];
                x[r] -= f * x[col];
            }
        }
        for (var r = n - 1; r >= 0; r--)
        {
            for (var j = r + 1; j < n; j++) x[r] -= m[r, j] * x[j];
            x[r] /= m[r, r];
        }
        return x;
    }
}
