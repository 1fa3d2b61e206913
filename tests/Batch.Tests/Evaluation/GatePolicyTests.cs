using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Xunit;

namespace Batch.Tests.Evaluation;

/// <summary>
/// Each rule of the gate deciding each way, on synthetic days: labels drawn at a prevalence, and models whose
/// score is a logistic of (separation × label + Gaussian noise), so that a smaller separation is a worse model.
/// </summary>
public class GatePolicyTests
{
    private static GateOptions Options(params string[] tasks) => new() { MaxAucDrop = 0.01, MaxLogLossIncrease = 0.02, FirstModelAucFloor = 0.6, Tasks = [.. tasks] };

    private static bool[] Labels(int n, double prevalence, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => random.NextDouble() < prevalence).ToArray();
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static float[] Model(bool[] labels, double separation, int seed, double offset = -2.5)
    {
        var random = new Random(seed);
        return labels.Select(l => (float)Sigmoid(offset + separation * (l ? 1 : 0) + Gaussian(random))).ToArray();
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static double Logit(double p) => Math.Log(p / (1 - p));

    private static TaskScores[] Scores(string task, float[] p, bool[] labels) => [new(task, p, labels)];

    [Fact]
    public void APlantedWorseCandidate_IsRejected_ByTheAucRuleThatCaughtIt()
    {
        var labels = Labels(20_000, 0.1, 1);
        var production = Model(labels, 1.5, 2);
        var candidate = Model(labels, 0.8, 3);

        var d = GatePolicy.Decide(Options("ctr"), Scores("ctr", candidate, labels), Scores("ctr", production, labels));

        Assert.False(d.Approved);
        Assert.Equal(GatePolicy.Rejected, d.Verdict);
        var auc = d.Judgements.Single(j => j.Measure == "auc");
        Assert.False(auc.Passed);
        Assert.Equal("down", auc.Movement);
        Assert.True(auc.High < 0, "the whole 95 % interval lies below zero");
        Assert.Contains(d.Reasons, r => r.StartsWith("ctr: AUC", StringComparison.Ordinal) && r.EndsWith("margin, significantly (p 0.000 < 0.05): REGRESSION", StringComparison.Ordinal));
        Assert.Equal("negative transfer", d.Transfer);
    }

    [Fact]
    public void ASameSetUpCandidate_OnANoisyDay_IsApproved_ThoughItsAucDropExceedsTheMargin()
    {
        // ~90 positives: two equally good models differ by more than 0.01 AUC by chance alone. Take the first
        // pair of draws where the candidate trails by more than the margin.
        var labels = Labels(3_000, 0.03, 4);
        var production = Model(labels, 1.0, 5);
        var (candidate, drop) = Enumerable.Range(100, 200).Select(seed => Model(labels, 1.0, seed))
            .Select(c => (c, Metrics.Auc(production, labels) - Metrics.Auc(c, labels))).First(t => t.Item2 > 0.01);

        var d = GatePolicy.Decide(Options("ctr"), Scores("ctr", candidate, labels), Scores("ctr", production, labels));

        Assert.True(drop > 0.01);
        Assert.True(d.Approved, string.Join("\n", d.Reasons));
        var auc = d.Judgements.Single(j => j.Measure == "auc");
        Assert.True(auc.PBeyondMargin >= 0.05 && auc.PWorse >= 0.05);
        Assert.True(auc.Low < 0 && auc.High > 0, "the 95 % interval holds zero");
        Assert.Contains("drop beyond the 0.0100 margin, but not significantly", auc.Rule, StringComparison.Ordinal);
        Assert.Equal("flat", auc.Movement);
    }

    [Fact]
    public void ASignificantDropWithinTheMargin_IsApproved()
    {
        // The same latent with a little extra noise: a small, certain loss of AUC on a large day.
        var labels = Labels(200_000, 0.1, 6);
        var noise = new Random(7);
        var extra = new Random(8);
        var latent = labels.Select(l => 1.5 * (l ? 1 : 0) + Gaussian(noise)).ToArray();
        var production = latent.Select(x => (float)Sigmoid(-2.5 + x)).ToArray();
        var candidate = latent.Select(x => (float)Sigmoid(-2.5 + x + 0.25 * Gaussian(extra))).ToArray();

        var d = GatePolicy.Decide(Options("ctr"), Scores("ctr", candidate, labels), Scores("ctr", production, labels));

        var auc = d.Judgements.Single(j => j.Measure == "auc");
        Assert.InRange(-auc.Change, 0.0005, 0.01);
        Assert.True(auc.PWorse < 0.05);
        Assert.Equal("down", auc.Movement);
        Assert.Contains("a significant drop (p 0.000), within the 0.0100 margin", auc.Rule, StringComparison.Ordinal);
        Assert.True(auc.Passed);
    }

    [Fact]
    public void ADropJustBeyondTheMargin_IsRejectedOnlyWhenTheDayShowsItIsBeyond()
    {
        // The decisive test is "worse by more than the margin": with se 0.004, a drop of 0.012 is beyond 0.01 but
        // not significantly (z = 0.5), a drop of 0.03 is (z = 5).
        var options = Options("ctr");
        var labels = Labels(200_000, 0.1, 28);
        var noise = new Random(29);
        var latent = labels.Select(l => 1.5 * (l ? 1 : 0) + Gaussian(noise)).ToArray();
        var production = latent.Select(x => (float)Sigmoid(-2.5 + x)).ToArray();
        TaskJudgement Judge(double extra)
        {
            var more = new Random(30);
            var candidate = latent.Select(x => (float)Sigmoid(-2.5 + x + extra * Gaussian(more))).ToArray();
            return GatePolicy.JudgeAuc("ctr", new("ctr", candidate, labels), new("ctr", production, labels), options);
        }

        var slight = Enumerable.Range(1, 40).Select(k => Judge(0.05 * k)).First(j => -j.Change > 0.01);
        Assert.True(-slight.Change < 0.02 && slight.Passed, slight.Rule);
        var clear = Enumerable.Range(1, 60).Select(k => Judge(0.05 * k)).First(j => -j.Change > 0.03);
        Assert.False(clear.Passed, clear.Rule);
        Assert.True(clear.PBeyondMargin < 0.05);
    }

    [Fact]
    public void AMiscalibratedCandidate_WithTheSameRanking_IsRejectedByTheLogLossRule()
    {
        // Doubling every logit keeps the order (the AUCs are equal) but ruins the probabilities.
        var labels = Labels(20_000, 0.1, 9);
        var production = Model(labels, 1.5, 10);
        var candidate = production.Select(p => (float)Sigmoid(2 * Logit(p))).ToArray();

        var d = GatePolicy.Decide(Options("ctr"), Scores("ctr", candidate, labels), Scores("ctr", production, labels));

        Assert.False(d.Approved);
        Assert.True(d.Judgements.Single(j => j.Measure == "auc").Passed);
        var loss = d.Judgements.Single(j => j.Measure == "logloss");
        Assert.False(loss.Passed);
        Assert.True(loss.Change > 0.02 && loss.Low > 0);
        Assert.EndsWith("REGRESSION", loss.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void ALogLossRiseBeyondTheMargin_ThatTheDayCannotShow_IsApproved()
    {
        // A candidate that overpredicts a little, on a day of 150 rows.
        var labels = Labels(150, 0.2, 11);
        var production = Model(labels, 1.0, 12, offset: -1.4);
        var candidate = production.Select(p => (float)Sigmoid(Logit(p) + 0.3)).ToArray();

        var loss = GatePolicy.JudgeLogLoss("ctr", new("ctr", candidate, labels), new("ctr", production, labels), Options("ctr"));

        Assert.True(loss.Change > 0.02, $"precondition: the rise {loss.Change:P2} exceeds the margin");
        Assert.True(loss.PBeyondMargin >= 0.05);
        Assert.True(loss.Passed);
        Assert.Contains("rise beyond the 2.00 % margin, but not significantly", loss.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void ADayWithTooFewPositives_IsNotEnoughEvidence_AndKeepsProductionUnlessToldOtherwise()
    {
        var labels = Labels(1_000, 0.02, 13);
        var production = Model(labels, 1.5, 14);
        var candidate = Model(labels, 1.5, 15);
        var keep = Options("ctr");

        var d = GatePolicy.Decide(keep, Scores("ctr", candidate, labels), Scores("ctr", production, labels));

        Assert.False(d.Approved);
        Assert.Equal(GatePolicy.NotEnoughEvidence, d.Verdict);
        Assert.Contains(d.Reasons, r => r.Contains("fewer than Gate:MinPositives 50", StringComparison.Ordinal));
        Assert.Contains("production is kept", d.Reasons[^1], StringComparison.Ordinal);

        var approve = Options("ctr");
        approve.OnInsufficientEvidence = GateOptions.ApproveAnyway;
        Assert.True(GatePolicy.Decide(approve, Scores("ctr", candidate, labels), Scores("ctr", production, labels)).Approved);
    }

    [Fact]
    public void AFirstModel_MustReachTheFloorOnEveryJudgedTask()
    {
        var labels = Labels(5_000, 0.1, 16);
        var good = GatePolicy.Decide(Options("ctr"), Scores("ctr", Model(labels, 1.5, 17), labels), production: null);
        Assert.Equal((true, GatePolicy.FirstModelApproved), (good.Approved, good.Verdict));
        Assert.Null(good.Transfer);

        var bad = GatePolicy.Decide(Options("ctr"), Scores("ctr", Model(labels, 0.1, 18), labels), production: null);
        Assert.False(bad.Approved);
        Assert.Contains(bad.Reasons, r => r.StartsWith("ctr: AUC 0.5", StringComparison.Ordinal) && r.Contains("< first-model floor 0.6000", StringComparison.Ordinal));
    }

    [Fact]
    public void OneTaskUpAndOneDown_IsASeeSaw_AndTheDownTaskRejects()
    {
        var labels = Labels(20_000, 0.1, 19);
        TaskScores[] production = [new("ctr", Model(labels, 1.0, 20), labels), new("ctcvr", Model(labels, 1.5, 21), labels)];
        TaskScores[] candidate = [new("ctr", Model(labels, 1.5, 22), labels), new("ctcvr", Model(labels, 1.0, 23), labels)];

        var d = GatePolicy.Decide(Options(), candidate, production);

        Assert.Equal("see-saw", d.Transfer);
        Assert.Equal(["up", "down"], d.Judgements.Where(j => j.Measure == "auc").Select(j => j.Movement));
        Assert.False(d.Approved);
    }

    [Fact]
    public void TasksThatAreNotJudged_DoNotDecide_AndAMissingJudgedTaskRejects()
    {
        var labels = Labels(5_000, 0.1, 24);
        var same = Model(labels, 1.5, 25);
        TaskScores[] production = [new("ctr", same, labels), new("cvr", Model(labels, 1.5, 26), labels), new("ctcvr", same, labels)];
        TaskScores[] candidate = [new("ctr", same, labels), new("cvr", Model(labels, 0.1, 27), labels), new("ctcvr", same, labels)];
        Assert.True(GatePolicy.Decide(Options(), candidate, production).Approved); // cvr collapsed, but only ctr and ctcvr are judged

        var missing = GatePolicy.Decide(Options(), candidate, production[..1]);
        Assert.False(missing.Approved);
        Assert.Contains("ctcvr: production has no scores for this task", missing.Reasons);
    }

    [Fact]
    public void ASignificantDropWithinTheMargin_IsApproved_AndTheHeadlineSaysSo_AndOneWorseOneLevelIsNamedNotNegativeTransfer()
    {
        // The same noise, a little less separation: ctr worse by a few thousandths of AUC, far within the 0.01 margin but
        // significant on 20 000 paired rows; ctcvr the same model on both sides.
        var labels = Labels(20_000, 0.1, 30);
        var same = Model(labels, 1.5, 32);
        TaskScores[] production = [new("ctr", Model(labels, 1.5, 31), labels), new("ctcvr", same, labels)];
        TaskScores[] candidate = [new("ctr", Model(labels, 1.45, 31), labels), new("ctcvr", same, labels)];

        var d = GatePolicy.Decide(Options(), candidate, production);

        var ctr = d.Judgements.Single(j => j.Task == "ctr" && j.Measure == "auc");
        Assert.True(ctr.Passed, ctr.Rule);
        Assert.Equal("down", ctr.Movement);
        Assert.InRange(ctr.Change, -0.01, 0);
        Assert.True(d.Approved, string.Join("\n", d.Reasons));
        Assert.Equal("ctr worse, ctcvr level", d.Transfer);
        Assert.StartsWith($"APPROVED (no-regression), accepting a significant drop within the margin: ctr AUC {SignedNumber.Format(ctr.Change, "F4")} (p ", GatePolicy.Headline(d), StringComparison.Ordinal);
        Assert.Equal("APPROVED (no-regression)", GatePolicy.Headline(GatePolicy.Decide(Options(), production, production)));
        Assert.Equal("ctr level, ctcvr level", GatePolicy.Decide(Options(), production, production).Transfer);
    }
}
