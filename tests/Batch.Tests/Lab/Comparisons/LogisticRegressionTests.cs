using Batch.Lab.Comparisons;
using Batch.Modeling.Features;
using Xunit;

namespace Batch.Tests.Lab.Comparisons;

public class LogisticRegressionTests
{
    /// <summary>Rows of one categorical field (slots 1..3 of a 4-slot table) and one numeric value, labelled as given.</summary>
    private static LogisticDesign Design(int[] slots, float[] values, float[] labels)
    {
        var frame = new EncodedFrame(slots.Length, slots, 1, values, 1, labels, 1);
        return LogisticDesign.From(frame, [4], (b, i) => b.Target(i, 0));
    }

    [Fact]
    public void WithOnlyOneHotFeatures_TheFitReproducesEachCategorysRate_TheClosedFormOfTheMaximumLikelihood()
    {
        // Three categories with click rates 1/4, 2/4 and 3/4 and no numeric signal: unpenalised, each category's
        // logit converges to log(rate / (1 − rate)), whatever the split between its weight and the bias.
        int[] slots = [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
        float[] labels = [1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0];
        var design = Design(slots, new float[12], labels);

        var fit = LogisticRegression.Fit(design, lambda: 0);

        var p = LogisticRegression.Probabilities(design, fit.Theta);
        Assert.Equal(0.25, p[0], 5);
        Assert.Equal(0.5, p[4], 5);
        Assert.Equal(0.75, p[8], 5);
        Assert.Equal(-(2 * (Math.Log(0.25) + 3 * Math.Log(0.75)) + 4 * Math.Log(0.5)) / 12, design.LogLoss(fit.Theta), 6);
    }

    [Fact]
    public void ThePenalisedFit_IsTheStationaryPointOfItsObjective_AgainstANewtonSolveOfTheSameProblem()
    {
        // Every row the same category: its weight and the bias are the same offset, and the penalty puts all of it on the
        // unpenalised bias (the category's weight is 0 at the optimum). What is left is logit = v x + b with (λ/2) v²,
        // a two-parameter problem Newton's method solves to machine precision; the L-BFGS fit must land on its point.
        float[] x = [-2, -1, -0.5f, 0, 0.5f, 1, 2, 3];
        float[] y = [0, 0, 1, 0, 1, 0, 1, 1];
        var design = Design(Enumerable.Repeat(1, x.Length).ToArray(), x, y);
        const double Lambda = 0.05;

        var fit = LogisticRegression.Fit(design, Lambda);

        var (_, gradient) = design.Objective(fit.Theta, Lambda);
        Assert.All(gradient, g => Assert.InRange(g, -1e-6, 1e-6));
        var (v, b) = NewtonSolve(x, y, Lambda);
        Assert.Equal(0, fit.Theta[1], 5);
        Assert.Equal(v, fit.Theta[4], 5);
        Assert.Equal(b, fit.Theta[5], 5);
    }

    /// <summary>Newton's method on the mean logloss of logit = v x + b plus (λ/2) v².</summary>
    private static (double V, double B) NewtonSolve(float[] x, float[] y, double lambda)
    {
        double v = 0, b = 0;
        var n = x.Length;
        for (var iteration = 0; iteration < 50; iteration++)
        {
            double gv = lambda * v, gb = 0, hvv = lambda, hvb = 0, hbb = 0;
            for (var i = 0; i < n; i++)
            {
                var p = 1 / (1 + Math.Exp(-(v * x[i] + b)));
                var (r, s) = ((p - y[i]) / n, p * (1 - p) / n);
                (gv, gb) = (gv + r * x[i], gb + r);
                (hvv, hvb, hbb) = (hvv + s * x[i] * x[i], hvb + s * x[i], hbb + s);
            }
            var det = hvv * hbb - hvb * hvb;
            (v, b) = (v - (hbb * gv - hvb * gb) / det, b - (hvv * gb - hvb * gv) / det);
        }
        return (v, b);
    }
}
