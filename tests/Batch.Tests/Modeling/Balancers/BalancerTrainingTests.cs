using Batch.Core.Options;
using Batch.Modeling.Balancers;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using TorchSharp;
using Batch.Modeling.Plugins;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Balancers;

/// <summary>Every strategy with every architecture, and no strategy leaks tensors.</summary>
[Collection(TorchGroup.Name)]
public class BalancerTrainingTests
{
    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var balancer in Registries.Balancers.Names)
            foreach (var architecture in ModelingFixtures.ArchitectureNames) data.Add(balancer, architecture);
        return data;
    }

    /// <summary>Small-frame training with <paramref name="balancer"/> (PE-LTR's lower bound 0.1 for each of <paramref name="tasks"/>).</summary>
    internal static TrainingOptions Options(string balancer, int epochs, int tasks = 2) => new()
    {
        Epochs = epochs, BatchSize = 32, LearningRate = 0.01, Seed = 5, DiagnosticsEvery = 2,
        Balancer = new BalancerOptions { Name = balancer }.With(PeLtrPlugin.Id, new PeLtrSettings { LowerBounds = [.. Enumerable.Repeat(0.1, tasks)] }),
        MinStepsPerEpoch = 0, EmbeddingLearningRate = null, StartAtBaseRates = false, EmbeddingWeightDecay = 0, Patience = 2, ValidationDays = 0,
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void EveryStrategyWithEveryArchitecture_TrainsWithFallingLoss(string balancer, string architecture)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(128);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(architecture), CPU, seed: 5);
        var history = Trainer.Train(model, encoders.Encode(frame), Options(balancer, epochs: 6), CancellationToken.None);
        Assert.True(history[^1].Losses.Values.Sum() < history[0].Losses.Values.Sum(),
            $"{balancer} × {architecture}: {history[0].Losses.Values.Sum()} → {history[^1].Losses.Values.Sum()}");
        Assert.All(history, e => Assert.Equal(2, e.Weights.Count));
        if (model.Network.SharedParameters().Any())
            Assert.All(history, e => Assert.InRange(e.GradientCosine!.Value, -1.0, 1.0));
    }

    [Theory]
    [MemberData(nameof(BalancerNames))]
    public void NoStrategyLeaksTensors_OverManySteps(string balancer)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(96);
        var encoded = encoders.Encode(frame);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("ple"), CPU, seed: 5);
        Trainer.Train(model, encoded, Options(balancer, epochs: 1), CancellationToken.None); // warm up lazily created state
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Trainer.Train(model, encoded, Options(balancer, epochs: 2), CancellationToken.None);
        var afterFew = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Trainer.Train(model, encoded, Options(balancer, epochs: 10), CancellationToken.None);
        var afterMany = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(afterFew - before, afterMany - afterFew);
        Assert.Equal(before, afterMany);
    }

    public static TheoryData<string> BalancerNames() => [.. Registries.Balancers.Names];
}
