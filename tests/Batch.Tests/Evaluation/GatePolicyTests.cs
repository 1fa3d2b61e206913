using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Evaluation;
using Xunit;

namespace Batch.Tests.Evaluation;

public class GatePolicyTests
{
    private static readonly GateOptions Options = new() { MaxAucDrop = 0.01, MaxLogLossIncrease = 0.02, FirstModelAucFloor = 0.6 };

    private static List<TaskMetrics> Metrics(double ctrAuc, double ctrLoss, double ctcvrAuc, double ctcvrLoss, double cvrAuc = 0.6) =>
    [
        new("ctr", ctrAuc, ctrLoss, 1000, 50),
        new("cvr", cvrAuc, 0.3, 50, 5),
        new("ctcvr", ctcvrAuc, ctcvrLoss, 1000, 5),
    ];

    [Fact]
    public void Decide_ApprovesFirstModel_WhenEveryJudgedTaskReachesTheFloor()
    {
        var d = GatePolicy.Decide(Options, Metrics(0.61, 0.2, 0.7, 0.05), production: null);
        Assert.True(d.Approved);
        Assert.Equal(GatePolicy.FirstModelApproved, d.Verdict);
    }

    [Fact]
    public void Decide_RejectsFirstModel_WhenOneTaskIsBelowTheFloor()
    {
        var d = GatePolicy.Decide(Options, Metrics(0.59, 0.2, 0.7, 0.05), production: null);
        Assert.False(d.Approved);
        Assert.Contains(d.Reasons, r => r.StartsWith("ctr: AUC 0.5900 < first-model floor", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_Approves_WhenRegressionsStayWithinTolerance()
    {
        var production = Metrics(0.70, 0.200, 0.75, 0.050);
        var candidate = Metrics(0.695, 0.203, 0.741, 0.0509); // drops 0.005/0.009, rises 1.5 %/1.8 %
        var d = GatePolicy.Decide(Options, candidate, production);
        Assert.True(d.Approved, string.Join("\n", d.Reasons));
        Assert.Equal(GatePolicy.Approved, d.Verdict);
    }

    [Fact]
    public void Decide_Rejects_WhenAucDropsByMoreThanTheTolerance()
    {
        var d = GatePolicy.Decide(Options, Metrics(0.70, 0.2, 0.738, 0.05), Metrics(0.70, 0.2, 0.75, 0.05));
        Assert.False(d.Approved);
        Assert.Contains(d.Reasons, r => r.StartsWith("ctcvr: AUC", StringComparison.Ordinal) && r.EndsWith("REGRESSION", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_Rejects_WhenLogLossRisesByMoreThanTheTolerance()
    {
        var d = GatePolicy.Decide(Options, Metrics(0.70, 0.2050, 0.75, 0.05), Metrics(0.70, 0.2000, 0.75, 0.05)); // +2.5 %
        Assert.False(d.Approved);
        Assert.Contains(d.Reasons, r => r.StartsWith("ctr: logloss", StringComparison.Ordinal) && r.EndsWith("REGRESSION", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_IgnoresTasksItDoesNotJudge()
    {
        // cvr falls sharply but is not among the judged tasks (ctr, ctcvr by default).
        var d = GatePolicy.Decide(Options, Metrics(0.70, 0.2, 0.75, 0.05, cvrAuc: 0.4), Metrics(0.70, 0.2, 0.75, 0.05, cvrAuc: 0.7));
        Assert.True(d.Approved);
    }

    [Fact]
    public void Decide_Rejects_WhenProductionLacksAJudgedTask()
    {
        var d = GatePolicy.Decide(Options, Metrics(0.7, 0.2, 0.75, 0.05), [new TaskMetrics("ctr", 0.7, 0.2, 10, 1)]);
        Assert.False(d.Approved);
        Assert.Contains("ctcvr: production has no metric for this task", d.Reasons);
    }

    [Fact]
    public void Decide_Rejects_WhenCandidateLacksAJudgedTask()
    {
        var d = GatePolicy.Decide(Options, [new TaskMetrics("ctr", 0.9, 0.1, 10, 1)], production: null);
        Assert.False(d.Approved);
        Assert.Contains("ctcvr: the candidate has no metric for this task", d.Reasons);
    }
}
