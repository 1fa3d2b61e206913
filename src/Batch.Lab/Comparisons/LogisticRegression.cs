using Batch.Modeling.Features;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Batch.Lab.Comparisons;

/// <summary>
/// The rows of one logistic regression: per row its one-hot features (a global id per field: the field's offset plus its
/// slot, so a cross or a quantile bucket is a field like any other), its numeric values as the encoders standardised
/// them, and its 0/1 label.
/// </summary>
public sealed class LogisticDesign
{
    private LogisticDesign(int rows, int fields, int width, int numeric, int[] features, float[] values, double[] labels)
    {
        (Rows, Fields, Width, Numeric, Features, Values, Labels) = (rows, fields, width, numeric, features, values, labels);
    }

    public int Rows { get; }
    public int Fields { get; }

    /// <summary>One-hot features in all: the sum of the fields' table sizes.</summary>
    public int Width { get; }
    public int Numeric { get; }
    public int[] Features { get; }
    public float[] Values { get; }
    public double[] Labels { get; }

    /// <summary>Parameters of a fit: one weight per one-hot feature, one per numeric value, and the bias last.</summary>
    public int Parameters => Width + Numeric + 1;

    /// <summary>The rows <paramref name="take"/> keeps, labelled as it says (null: left out).</summary>
    /// <param name="cardinalities">the encoders' table sizes, field by field</param>
    public static LogisticDesign From(IEncodedRows rows, IReadOnlyList<int> cardinalities, Func<EncodedBatch, int, double?> take)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cardinalities);
        ArgumentNullException.ThrowIfNull(take);
        var offsets = new int[cardinalities.Count];
        for (var j = 1; j < offsets.Length; j++) offsets[j] = offsets[j - 1] + cardinalities[j - 1];
        var (fields, numeric) = (rows.CategoricalCount, rows.NumericCount);
        var features = new List<int>();
        var values = new List<float>();
        var labels = new List<double>();
        foreach (var (_, batch) in rows.InOrder(65_536))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (take(batch, i) is not { } label) continue;
                for (var j = 0; j < fields; j++) features.Add(offsets[j] + batch.Indices[i * fields + j]);
                for (var k = 0; k < numeric; k++) values.Add(batch.Values[i * numeric + k]);
                labels.Add(label);
            }
        }
        return new LogisticDesign(labels.Count, fields, cardinalities.Sum(), numeric, [.. features], [.. values], [.. labels]);
    }

    /// <summary>Each row's logit under <paramref name="theta"/>.</summary>
    public double[] Logits(IReadOnlyList<double> theta)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var z = new double[Rows];
        var bias = theta[Parameters - 1];
        for (var i = 0; i < Rows; i++)
        {
            var sum = bias;
            for (var j = 0; j < Fields; j++) sum += theta[Features[i * Fields + j]];
            for (var k = 0; k < Numeric; k++) sum += theta[Width + k] * Values[i * Numeric + k];
            z[i] = sum;
        }
        return z;
    }

    /// <summary>
    /// The penalised mean logloss (1/n) Σ −[y log p + (1 − y) log(1 − p)] + (λ/2) ‖w‖² (the bias not penalised) and its
    /// gradient, at <paramref name="theta"/>.
    /// </summary>
    public (double Loss, double[] Gradient) Objective(IReadOnlyList<double> theta, double lambda)
    {
        ArgumentNullException.ThrowIfNull(theta);
        var z = Logits(theta);
        var gradient = new double[Parameters];
        double loss = 0;
        for (var i = 0; i < Rows; i++)
        {
            // log(1 + e^z) − y z, computed without overflow; its derivative in z is σ(z) − y.
            var zi = z[i];
            loss += (zi > 0 ? zi + Math.Log(1 + Math.Exp(-zi)) : Math.Log(1 + Math.Exp(zi))) - Labels[i] * zi;
            var r = 1 / (1 + Math.Exp(-zi)) - Labels[i];
            for (var j = 0; j < Fields; j++) gradient[Features[i * Fields + j]] += r;
            for (var k = 0; k < Numeric; k++) gradient[Width + k] += r * Values[i * Numeric + k];
            gradient[Parameters - 1] += r;
        }
        var n = Math.Max(1, Rows);
        loss /= n;
        for (var p = 0; p < Parameters; p++) gradient[p] /= n;
        for (var p = 0; p < Parameters - 1; p++)
        {
            loss += lambda / 2 * theta[p] * theta[p];
            gradient[p] += lambda * theta[p];
        }
        return (loss, gradient);
    }

    /// <summary>The mean logloss of the design's labels under <paramref name="theta"/>, unpenalised.</summary>
    public double LogLoss(IReadOnlyList<double> theta) => Objective(theta, 0).Loss;
}

/// <summary>A fitted logistic regression: its parameters, the L2 strength, and how the solve ended.</summary>
public sealed record LogisticFit(double[] Theta, double Lambda, int Iterations, string Exit);

/// <summary>Logistic regression fitted to convergence by L-BFGS (Math.NET's, with its Wolfe line search).</summary>
public static class LogisticRegression
{
    /// <summary>Minimises the penalised mean logloss from <paramref name="start"/> (zeros by default) until the gradient is flat.</summary>
    public static LogisticFit Fit(LogisticDesign design, double lambda, double[]? start = null, double gradientTolerance = 1e-7, int maxIterations = 2000)
    {
        ArgumentNullException.ThrowIfNull(design);
        if (design.Rows == 0) throw new ArgumentException("Nothing to fit: the design has no rows.", nameof(design));
        var objective = ObjectiveFunction.Gradient(theta =>
        {
            var (loss, gradient) = design.Objective(theta.AsArray() ?? theta.ToArray(), lambda);
            return (loss, Vector<double>.Build.DenseOfArray(gradient));
        });
        var initial = Vector<double>.Build.DenseOfArray(start ?? new double[design.Parameters]);
        var result = new LimitedMemoryBfgsMinimizer(gradientTolerance, 1e-12, 1e-14, 20, maxIterations).FindMinimum(objective, initial);
        return new LogisticFit(result.MinimizingPoint.ToArray(), lambda, result.Iterations, result.ReasonForExit.ToString());
    }

    /// <summary>σ of each row's logit.</summary>
    public static float[] Probabilities(LogisticDesign design, IReadOnlyList<double> theta)
    {
        ArgumentNullException.ThrowIfNull(design);
        return design.Logits(theta).Select(z => (float)(1 / (1 + Math.Exp(-z)))).ToArray();
    }
}
