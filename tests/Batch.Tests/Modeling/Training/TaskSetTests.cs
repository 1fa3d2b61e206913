using Batch.Core.Options;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Outputs, losses and base rates of N tasks with ESM² chains and a regression, against hand computations.</summary>
[Collection(TorchGroup.Name)]
public class TaskSetTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
    private static double Bce(double p, double y) => -(y * Math.Log(p) + (1 - y) * Math.Log(1 - p));

    [Fact]
    public void AChainOfThree_MultipliesItsConditionalProbabilities_AndARegressionPredictsItsValue()
    {
        using var scope = NewDisposeScope();
        var tasks = ModelingFixtures.ShopTasks();
        Assert.Equal(["ctr", "cart", "purchase", "value", "ctr_cart", "ctr_cart_purchase"], tasks.Outputs);
        Assert.Equal(["ctr", "ctr_cart", "ctr_cart_purchase", "value"], tasks.LossNames);
        // Row 1: logits 0, ln 3, −ln 3, ln 5 → p(click) ½, p(cart | click) ¾, p(purchase | cart) ¼, value e^{ln 5} − 1 = 4.
        var logits = tensor(new float[] { 0, MathF.Log(3), -MathF.Log(3), MathF.Log(5), 2, -1, 0.5f, 0 }, [2, 4]);
        var outputs = tasks.Predict(logits).Select(o => o.data<float>().ToArray()).ToList();
        Assert.Equal([0.5f, 0.75f, 0.25f, 4f, 0.375f, 0.09375f], outputs.Select(o => o[0]), new Tolerance(1e-6));
        // Row 2: the products are those of the sigmoids, whatever the values.
        var (click, cart, purchase) = (Sigmoid(2), Sigmoid(-1), Sigmoid(0.5));
        Assert.Equal([click, cart, purchase, 0, click * cart, click * cart * purchase], outputs.Select(o => (double)o[1]), new Tolerance(1e-6));
    }

    [Fact]
    public void EveryChainedTask_IsTrainedOnItsEntireSpaceProduct_AndTheRegressionOnLog1pOfItsValue()
    {
        using var scope = NewDisposeScope();
        var tasks = ModelingFixtures.ShopTasks();
        var logits = tensor(new float[] { 0, MathF.Log(3), -MathF.Log(3), 1, 2, -1, 0.5f, 0 }, [2, 4]);
        // Row 1 clicked, carted and bought for 9; row 2 clicked only.
        double[][] labels = [[1, 1, 1, 9], [1, 0, 0, 0]];
        var targets = tensor(labels.SelectMany(row => row.Select((v, t) => tasks.Target(t, v))).ToArray(), [2, 4]);
        Assert.Equal(MathF.Log(10), tasks.Target(3, 9), 6);
        var losses = tasks.Losses(logits, targets).Select(l => (double)l.item<float>()).ToArray();

        var (c2, k2, b2) = (Sigmoid(2), Sigmoid(-1), Sigmoid(0.5));
        Assert.Equal((Bce(0.5, 1) + Bce(c2, 1)) / 2, losses[0], 5);
        Assert.Equal((Bce(0.375, 1) + Bce(c2 * k2, 0)) / 2, losses[1], 5);
        Assert.Equal((Bce(0.09375, 1) + Bce(c2 * k2 * b2, 0)) / 2, losses[2], 5);
        Assert.Equal((Math.Pow(1 - Math.Log(10), 2) + Math.Pow(0 - 0, 2)) / 2, losses[3], 5);
    }

    [Fact]
    public void ATasksWeight_MultipliesItsLoss()
    {
        using var scope = NewDisposeScope();
        var plain = ModelingFixtures.ShopTasks();
        var weighted = new Batch.Modeling.Training.TaskSet([.. plain.Tasks.Select((t, i) => i == 2 ? Weighted(t, 3) : t)]);
        var logits = tensor(new float[] { 0.3f, -0.2f, 0.1f, 0.4f }, [1, 4]);
        var targets = tensor(new float[] { 1, 1, 0, 0.5f }, [1, 4]);
        var (a, b) = (plain.Losses(logits, targets), weighted.Losses(logits, targets));
        Assert.Equal(3 * a[2].item<float>(), b[2].item<float>(), 5);
        Assert.Equal(a[0].item<float>(), b[0].item<float>());
    }

    private static TaskOptions Weighted(TaskOptions task, double weight) => new()
    {
        Name = task.Name, Label = task.Label, Kind = task.Kind, Given = task.Given, Product = task.Product, Role = task.Role, Weight = weight,
    };

    [Fact]
    public void BaseRates_AreEachTasksRateAmongItsParentsEvents_AndTheRegressionsMeanTarget()
    {
        var tasks = ModelingFixtures.ShopTasks();
        // 100 impressions, 20 clicks, 5 carts, 1 purchase, targets of the value summing to 0.7.
        var shifts = tasks.BaseRateLogits([20, 5, 1, 0.7], 100);
        Assert.Equal(Math.Log(20.0 / 80), shifts[0], 12);
        Assert.Equal(Math.Log(5.0 / 15), shifts[1], 12);
        Assert.Equal(Math.Log(1.0 / 4), shifts[2], 12);
        Assert.Equal(0.007, shifts[3], 12);
        var error = Assert.Throws<ArgumentException>(() => tasks.BaseRateLogits([20, 5, 5, 0.7], 100));
        Assert.Contains("task 'purchase' has 5 events among 5 'cart' events", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefault_IsTodaysModel()
    {
        var tasks = Batch.Modeling.Training.TaskSet.Default;
        Assert.Equal(["ctr", "cvr", "ctr", "ctcvr"], [.. tasks.Tasks.Select(t => t.Name), .. tasks.LossNames]);
        Assert.Equal(["ctr", "cvr", "ctcvr"], tasks.Outputs);
        Assert.Equal([0, 1], tasks.MainTasks);
        Assert.Equal(0, tasks.ParentOf(1));
    }
}
