namespace Batch.Modeling.Balancers;

/// <summary>
/// The min-norm point of the convex hull of task gradients, given their Gram matrix M (M_ij = g_i·g_j):
/// argmin_{w ≥ 0, Σw = 1} ‖Σ w_i g_i‖² = wᵀMw.
/// </summary>
/// <remarks>Sener and Koltun, "Multi-Task Learning as Multi-Objective Optimization", NeurIPS 2018 (Algorithm 2).</remarks>
public static class MinNormSolver
{
    /// <summary>γ in [0, 1] minimising ‖γ·a + (1 − γ)·b‖², from a·a, a·b and b·b.</summary>
    public static double TwoPoint(double aa, double ab, double bb)
    {
        var denominator = aa + bb - 2 * ab; // ‖a − b‖²
        return denominator <= 1e-20 ? 0.5 : Math.Clamp((bb - ab) / denominator, 0, 1);
    }

    /// <summary>The closed form for two tasks: [γ, 1 − γ].</summary>
    public static double[] ClosedForm(double[,] gram)
    {
        ArgumentNullException.ThrowIfNull(gram);
        if (gram.GetLength(0) != 2) throw new ArgumentException("The closed form is for two tasks.");
        var gamma = TwoPoint(gram[0, 0], gram[0, 1], gram[1, 1]);
        return [gamma, 1 - gamma];
    }

    /// <summary>
    /// Frank–Wolfe over the simplex, from uniform weights, with exact line search; stops when the duality gap
    /// 2·(wᵀMw − min_i (Mw)_i), an upper bound on the distance to the optimum, is below <paramref name="relativeGap"/>
    /// of the objective.
    /// </summary>
    public static double[] FrankWolfe(double[,] gram, int maxIterations = 5000, double relativeGap = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(gram);
        var k = gram.GetLength(0);
        var w = Enumerable.Repeat(1.0 / k, k).ToArray();
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            var mw = new double[k];
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++) mw[i] += gram[i, j] * w[j];
            var t = Array.IndexOf(mw, mw.Min()); // the vertex the gradient of wᵀMw points least toward
            var vv = w.Select((wi, i) => wi * mw[i]).Sum();
            if (2 * (vv - mw[t]) <= relativeGap * Math.Max(vv, 1e-30)) break;
            var gamma = TwoPoint(vv, mw[t], gram[t, t]);
            for (var i = 0; i < k; i++) w[i] *= gamma;
            w[t] += 1 - gamma;
        }
        return w;
    }

    public static double[] Solve(double[,] gram) => gram.GetLength(0) == 2 ? ClosedForm(gram) : FrankWolfe(gram);
}
