using Batch.Core.Options;
using Batch.Modeling.Training;
using Batch.Tests.Modeling.Balancers;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>Every architecture with every balancer on the shop's four tasks (a chain of three and a regression).</summary>
[Collection(TorchGroup.Name)]
public class ManyTaskTrainingTests
{
    /// <summary>As the two-task pairs train, with every step's gradients measured and the logits started at the base rates.</summary>
    private static TrainingOptions Options(string balancer, int epochs)
    {
        var options = BalancerTrainingTests.Options(balancer, epochs, tasks: 4);
        (options.DiagnosticsEvery, options.StartAtBaseRates) = (1, true);
        return options;
    }

    [Theory]
    [MemberData(nameof(BalancerTrainingTests.Pairs), MemberType = typeof(BalancerTrainingTests))]
    public void EveryArchitectureWithEveryBalancer_TrainsAnEpochOnFourTasks(string balancer, string architecture)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(96);
        var data = ModelingFixtures.ShopEncoded(frame, encoders);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(architecture), CPU, seed: 5, ModelingFixtures.ShopTasks());
        Assert.Equal(4, model.Network.Tasks);
        var epoch = Assert.Single(Trainer.Train(model, data, Options(balancer, epochs: 1), CancellationToken.None));
        Assert.Equal(["ctr", "ctr_cart", "ctr_cart_purchase", "value"], epoch.Losses.Keys);
        Assert.All(epoch.Losses.Values, l => Assert.True(double.IsFinite(l) && l >= 0, $"{balancer} × {architecture}: {string.Join(", ", epoch.Losses)}"));
        Assert.Equal(4, epoch.Weights.Count);
        if (model.Network.SharedParameters().Any())
        {
            Assert.InRange(epoch.GradientCosine!.Value, -1.0, 1.0);
            // Every pair of the four tasks, by loss name, each a cosine.
            Assert.Equal(6, epoch.PairCosines!.Count);
            Assert.Contains("ctr~ctr_cart", epoch.PairCosines.Keys);
            Assert.All(epoch.PairCosines.Values, c => Assert.InRange(c, -1.0, 1.0));
            Assert.All(epoch.PairConflictRates!.Values, r => Assert.InRange(r, 0.0, 1.0));
        }
        var predictions = Scorer.Predict(model, data);
        Assert.Equal(ModelingFixtures.ShopTasks().Outputs, predictions.Names);
        for (var i = 0; i < data.Rows; i++)
            Assert.True(predictions["ctr_cart_purchase"][i] <= predictions["ctr_cart"][i] && predictions["ctr_cart"][i] <= predictions["ctr"][i], $"row {i}: the chain narrows");
    }

    [Fact]
    public void FourTasks_LearnTheirLabels_AndTheRegressionItsMean()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(512);
        var data = ModelingFixtures.ShopEncoded(frame, encoders);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple"), CPU, seed: 5, ModelingFixtures.ShopTasks());
        var options = Options("uncertainty", epochs: 12);
        options.StartAtBaseRates = false;
        var history = Trainer.Train(model, data, options, CancellationToken.None);
        foreach (var task in history[0].Losses.Keys)
            Assert.True(history[^1].Losses[task] < history[0].Losses[task], $"{task}: {history[0].Losses[task]} → {history[^1].Losses[task]}");
        // The clicks follow the device: the trained model ranks them far better than chance.
        var p = Scorer.Predict(model, data);
        Assert.True(Batch.Evaluation.Metrics.Auc(p["ctr"], frame.Clicked) > 0.7);
        Assert.True(Batch.Evaluation.Metrics.Auc(p["ctr_cart_purchase"], frame.Converted) > 0.7);
    }

    [Fact]
    public void AFourTaskModelWithARegression_RoundTripsItsWeights_AndScoresIdentically()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(128);
        var data = ModelingFixtures.ShopEncoded(frame, encoders);
        var tasks = ModelingFixtures.ShopTasks();
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple+fm+wide+shortcut"), CPU, seed: 5, tasks);
        Trainer.Train(model, data, Options("gradnorm", epochs: 2), CancellationToken.None);
        using var buffer = new MemoryStream();
        model.SaveWeights(buffer);
        var weights = buffer.ToArray();
        using var loaded = MultiTaskModel.Load(new MemoryStream(weights), encoders, model.Architecture, CPU, tasks);
        var (before, after) = (Scorer.Predict(model, data), Scorer.Predict(loaded, data));
        Assert.Equal(before.Names, after.Names);
        for (var o = 0; o < before.Names.Count; o++) Assert.Equal(before.Columns[o], after.Columns[o]);

        // Loaded as two tasks, the weights do not fit: the heads are per task.
        Assert.Throws<InvalidDataException>(() => MultiTaskModel.Load(new MemoryStream(weights), encoders, model.Architecture, CPU));
    }
}
