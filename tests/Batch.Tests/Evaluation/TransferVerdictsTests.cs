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
    [InlineData(0.70, 0.70, 0.78, 0.80, TransferVerdict.NegativeTransfer)]
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
}
