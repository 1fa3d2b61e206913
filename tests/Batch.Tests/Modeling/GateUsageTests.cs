using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

[Collection(TorchGroup.Name)]
public class GateUsageTests
{
    [Fact]
    public void Means_AverageEachExpertsWeightOverAllRowsOfAllBatches()
    {
        var usage = new GateUsage();
        usage.Observe("task0", tensor(new float[] { 0.2f, 0.8f, 0.4f, 0.6f }, [2, 2]));
        usage.Observe("task0", tensor(new float[] { 1f, 0f }, [1, 2]));
        usage.Observe("shared", tensor(new float[] { 0.25f, 0.25f, 0.5f }, [1, 3]));
        var means = usage.Means();
        Assert.Equal(["shared", "task0"], means.Keys);
        Assert.Equal(1.6 / 3, means["task0"][0], 6);
        Assert.Equal(1.4 / 3, means["task0"][1], 6);
        Assert.Equal([0.25, 0.25, 0.5], means["shared"]);
    }
}
