using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Evaluation.Statistics;
using Xunit;

namespace Batch.Tests.Evaluation;

/// <summary>
/// A regression task's metrics and its gate: RMSE, MAE and the paired squared-error test against hand computations; a
/// planted worse regression rejected by its own margin, one within the noise approved; a first model's RMSE against the
/// day's spread; and an auxiliary task, however bad, never deciding the gate.
/// </summary>
public sealed class RegressionGateTests
{
    private const int Precision = 12;

    [Fact]
    public void RmseMaeAndSpread_AreTheClosedForms()
    {
        float[] predicted = [1, 2, 3, 4];
        float[] values = [1, 4, 0, 4];

        // Errors 0, −2, 3, 0: squared 0, 4, 9, 0; absolute 0, 2, 3, 0.
        Assert.Equal(Math.Sqrt(13 / 4.0), Metrics.Rmse(predicted, values), Precision);
        Assert.Equal(5 / 4.0, Metrics.Mae(predicted, values), Precision);
        // Values' mean 9/4; squared deviations 25/16, 49/16, 81/16, 49/16.
        Assert.Equal(Math.Sqrt(204 / 16.0 / 4), Metrics.StandardDeviation(values), Precision);
        var metrics = TaskEvaluator.EvaluateRegression("order_value", predicted, values);
        Assert.Equal((3, 4, "RMSE 1.8028, MAE 1.25"), (metrics.Positives, metrics.Count, metrics.Summary()));
        Assert.True(double.IsNaN(metrics.Auc));
    }

    [Fact]
    public void ThePairedSquaredErrorTest_IsTheHandComputation()
    {
        // Values 0: candidate errors² 1, 4, 9 (mean 14/3); production's 1, 1, 1 (mean 1). Differences 0, 3, 8: mean 11/3,
        // sample variance ((11/3)² + (2/3)² + (13/3)²) / 2 = 49/3, standard error √(49/9) = 7/3.
        var paired = PairedSquaredError.Compare([1, 2, 3], [1, -1, 1], [0, 0, 0]);

        Assert.Equal(14 / 3.0, paired.A, Precision);
        Assert.Equal(1.0, paired.B, Precision);
        Assert.Equal(11 / 3.0, paired.MeanDifference, Precision);
        Assert.Equal(7 / 3.0, paired.StandardError, Precision);
        Assert.Equal(11 / 3.0, paired.RelativeDifference, Precision);
    }

    private static (float[] Values, float[] Good, float[] Worse) Day(int n, int seed, double worseNoise)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var values = new float[n];
        var (good, worse) = (new float[n], new float[n]);
        for (var i = 0; i < n; i++)
        {
            var mean = 20 + 10 * random.NextDouble();
            values[i] = (float)(mean + 3 * Gaussian());
            good[i] = (float)(mean + 0.5 * Gaussian());
            worse[i] = (float)(mean + worseNoise * Gaussian());
        }
        return (values, good, worse);
    }

    [Fact]
    public void APlantedWorseRegression_IsRejected_ByItsSquaredErrorMargin()
    {
        var (values, production, candidate) = Day(20_000, 3, worseNoise: 3);
        var options = new GateOptions { MaxSquaredErrorIncrease = 0.05 };

        var decision = GatePolicy.Decide(options, [TaskScores.Regression("spend", candidate, values)], [TaskScores.Regression("spend", production, values)], ["spend"]);

        Assert.False(decision.Approved);
        var judgement = Assert.Single(decision.Judgements);
        Assert.Equal(("spend", "mse", false, "down"), (judgement.Task, judgement.Measure, judgement.Passed, judgement.Movement));
        Assert.Contains("REGRESSION", judgement.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void ARegressionAsGoodAsProduction_IsApproved()
    {
        var (values, production, _) = Day(20_000, 4, worseNoise: 3);
        var (_, candidate, _) = Day(20_000, 4, worseNoise: 3);

        var decision = GatePolicy.Decide(new GateOptions(), [TaskScores.Regression("spend", candidate, values)], [TaskScores.Regression("spend", production, values)], ["spend"]);

        Assert.True(decision.Approved, string.Join("; ", decision.Reasons));
        Assert.Equal(GatePolicy.Approved, decision.Verdict);
    }

    [Fact]
    public void AFirstRegression_MustPredictBetterThanTheDaysMean_OnTheLog1pScale()
    {
        var (values, good, _) = Day(5_000, 5, worseNoise: 3);
        float[] constant = [.. values.Select(_ => 100f)];

        var approved = GatePolicy.Decide(new GateOptions(), [TaskScores.Regression("spend", good, values)], null, ["spend"]);
        var rejected = GatePolicy.Decide(new GateOptions(), [TaskScores.Regression("spend", constant, values)], null, ["spend"]);

        Assert.Equal((true, GatePolicy.FirstModelApproved), (approved.Approved, approved.Verdict));
        Assert.False(rejected.Approved);
        Assert.StartsWith("spend: RMSE ", Assert.Single(rejected.Reasons), StringComparison.Ordinal);
        Assert.Contains("> the day's standard deviation of log1p", rejected.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void AnAuxiliaryTask_NeverDecidesTheGate_HoweverBadItIs()
    {
        var profile = new ModelProfile { Features = new FeatureOptions { Categorical = ["device"] } };
        profile.Tasks =
        [
            new() { Name = "ctr", Label = new TaskLabel { Column = "clicked" } },
            new() { Name = "spend", Label = new TaskLabel { Event = "conversions", Value = "value" }, Kind = TaskOptions.Regression, Role = TaskOptions.Auxiliary },
        ];
        var random = new Random(6);
        var labels = Enumerable.Range(0, 4_000).Select(_ => random.NextDouble() < 0.3).ToArray();
        float[] ctr = [.. labels.Select(l => l ? 0.8f : 0.2f)];
        var (values, good, _) = Day(4_000, 7, worseNoise: 3);
        float[] terrible = [.. values.Select(v => v * 50)];
        TaskScores[] Scores(float[] spend) => [new TaskScores("ctr", ctr, labels), TaskScores.Regression("spend", spend, values)];

        var decision = GatePolicy.Decide(profile.Gate, Scores(terrible), Scores(good), profile.JudgedOutputs);

        Assert.Equal(["ctr"], profile.JudgedOutputs);
        Assert.True(decision.Approved, string.Join("; ", decision.Reasons));
        Assert.DoesNotContain(decision.Judgements, j => j.Task == "spend");
        Assert.DoesNotContain(decision.Reasons, r => r.StartsWith("spend", StringComparison.Ordinal));
    }
}
