using Batch.Evaluation;
using Xunit;

namespace Batch.Tests.Evaluation;

public class TransferVerdictsTests
{
    [Theory]
    [InlineData(0.72, 0.70, 0.81, 0.80, TransferVerdict.WellDone)]
    [InlineData(0.72, 0.70, 0.80, 0.80, TransferVerdict.Acceptable)]
    [InlineData(0.72, 0.70, 0.78, 0.80, TransferVerdict.SeeSaw)]
    [InlineData(0.69, 0.70, 0.78, 0.80, TransferVerdict.NegativeTransfer)]
    [InlineData(0.70, 0.70, 0.78, 0.80, TransferVerdict.SomeWorse)]
    [InlineData(0.7004, 0.70, 0.7996, 0.80, TransferVerdict.Neutral)]
    public void Classify_FollowsTheSurveysFourOutcomes(double ctr, double ctrBase, double cvr, double cvrBase, TransferVerdict expected)
    {
        Assert.Equal(expected, TransferVerdicts.Classify([(ctr, ctrBase), (cvr, cvrBase)], tolerance: 0.001));
    }

    [Fact]
    public void Classify_CountsAMoveWithinTheToleranceAsNoMove()
    {
        Assert.Equal(TransferVerdict.Acceptable, TransferVerdicts.Classify([(0.705, 0.70), (0.799, 0.80)], tolerance: 0.002));
        Assert.Equal(TransferVerdict.SeeSaw, TransferVerdicts.Classify([(0.705, 0.70), (0.799, 0.80)], tolerance: 0.0005));
    }

    [Theory]
    [InlineData("up,up,up", "well done")]
    [InlineData("up,level,level", "acceptable")]
    [InlineData("up,down,level", "see-saw")]
    [InlineData("down,down,down", "negative transfer")]
    [InlineData("down,level,level", "ctr worse, ctcvr level, pay level")]
    [InlineData("level,level,level", "ctr level, ctcvr level, pay level")]
    public void Describe_UsesTheFourOutcomesExactly_AndNamesAnyOtherCombinationTaskByTask(string moves, string expected)
    {
        string[] tasks = ["ctr", "ctcvr", "pay"];
        var named = moves.Split(',').Select((m, i) => (tasks[i], m switch { "up" => TaskMove.Better, "down" => TaskMove.Worse, _ => TaskMove.Level })).ToList();
        Assert.Equal(expected, TransferVerdicts.Describe(named));
    }
}
