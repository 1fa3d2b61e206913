using Batch.Core.Options;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using TorchSharp.PyBridge;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling;

[Collection(TorchGroup.Name)]
public class MultiTaskModelTests
{
    [Fact]
    public void Esmm_ComposesCtcvrAsTheProductOfCtrAndCvr()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0, 0, MathF.Log(3), -MathF.Log(3) }, [2, 2]);
        var outputs = TaskSet.Default.Predict(logits);
        Assert.Equal(["ctr", "cvr", "ctcvr"], TaskSet.Default.Outputs);
        var (ctr, cvr, ctcvr) = (outputs[0], outputs[1], outputs[2]);
        Assert.Equal([0.5f, 0.75f], ctr.data<float>().ToArray(), new Tolerance(1e-6f));
        Assert.Equal([0.5f, 0.25f], cvr.data<float>().ToArray(), new Tolerance(1e-6f));
        Assert.Equal([0.25f, 0.1875f], ctcvr.data<float>().ToArray(), new Tolerance(1e-6f));

        // Both losses over all impressions: row 1 clicked and converted, row 2 neither.
        var losses = TaskSet.Default.Losses(logits, tensor(new float[] { 1, 1, 0, 0 }, [2, 2]));
        var (ctrLoss, ctcvrLoss) = (losses[0], losses[1]);
        Assert.Equal(-(Math.Log(0.5) + Math.Log(0.25)) / 2, ctrLoss.item<float>(), 5);
        Assert.Equal(-(Math.Log(0.25) + Math.Log(1 - 0.1875)) / 2, ctcvrLoss.item<float>(), 5);
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void Train_LowersBothLossesOnATinySeededFrame(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(256);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(name), CPU, seed: 5);
        var history = Trainer.Train(model, encoders.Encode(frame),
            new TrainingOptions { Epochs = 30, BatchSize = 64, LearningRate = 0.01, Seed = 5, MinStepsPerEpoch = 0, EmbeddingLearningRate = null, StartAtBaseRates = false, EmbeddingWeightDecay = 0, Patience = 2, ValidationDays = 0 }, CancellationToken.None);
        foreach (var task in new[] { "ctr", "ctcvr" })
            Assert.True(history[^1].Losses[task] < history[0].Losses[task] * 0.9, $"{name}: {task} loss {history[0].Losses[task]} → {history[^1].Losses[task]}");
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void SaveThenLoad_GivesIdenticalPredictions(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(64);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(name), CPU, seed: 9);
        using var buffer = new MemoryStream();
        model.SaveWeights(buffer);
        buffer.Position = 0;
        using var loaded = MultiTaskModel.Load(buffer, encoders, ModelingFixtures.Architecture(name), CPU);
        var before = Scorer.Predict(model, encoders.Encode(frame));
        var after = Scorer.Predict(loaded, encoders.Encode(frame));
        Assert.Equal(before["ctr"], after["ctr"]);
        Assert.Equal(before["cvr"], after["cvr"]);
    }

    [Theory]
    [MemberData(nameof(ModelingFixtures.AllArchitectures), MemberType = typeof(ModelingFixtures))]
    public void Load_FailsLoudly_WhenAWeightIsMissingOrRenamed(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(16);
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture(name), CPU, seed: 9);
        var names = model.Network.state_dict().Keys.ToList();

        var missing = Rewrite(model, names[0], newName: null);
        var e = Assert.Throws<InvalidDataException>(() => MultiTaskModel.Load(missing, encoders, ModelingFixtures.Architecture(name), CPU));
        Assert.Contains("do not fit", e.Message, StringComparison.Ordinal);

        var renamed = Rewrite(model, names[^1], names[^1] + "_renamed");
        Assert.Throws<InvalidDataException>(() => MultiTaskModel.Load(renamed, encoders, ModelingFixtures.Architecture(name), CPU));
    }

    [Fact]
    public void EarlyStopping_StopsOnceTheValidationLossStopsFalling_AndKeepsTheBestEpoch()
    {
        // A learning rate high enough to overfit 96 rows quickly: the validation loss turns up after a few epochs.
        var (frame, encoders) = ModelingFixtures.Fitted(96);
        var validation = encoders.Encode(ModelingFixtures.Frame(400, seed: 8));
        using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Architecture("mmoe"), CPU, seed: 5);
        var options = new TrainingOptions { Epochs = 60, BatchSize = 16, LearningRate = 0.05, Seed = 5, Patience = 3, MinStepsPerEpoch = 0, EmbeddingLearningRate = null, StartAtBaseRates = false, EmbeddingWeightDecay = 0, ValidationDays = 0 };

        var history = Trainer.Train(model, encoders.Encode(frame), options, CancellationToken.None, validation: validation);

        var kept = Assert.Single(history, e => e.Kept);
        var losses = history.Select(e => e.ValidationLosses!["ctr"] + e.ValidationLosses!["ctcvr"]).ToList();
        Assert.Equal(losses.Min(), kept.ValidationLosses!["ctr"] + kept.ValidationLosses!["ctcvr"]);
        Assert.True(history.Count < options.Epochs, "it stopped early");
        Assert.Equal(kept.Epoch + options.Patience, history.Count);
        // The model holds the kept epoch's weights: its validation loss is that epoch's.
        var now = Trainer.Validate(model, validation);
        Assert.Equal(kept.ValidationLosses!["ctr"], now["ctr"], 5);
        Assert.Equal(kept.ValidationLosses!["ctcvr"], now["ctcvr"], 5);
    }

    [Fact]
    public void AModelWithEveryFeatureOption_RoundTrips_AndRescoresIdentically()
    {
        var frame = ModelingFixtures.Frame(200);
        var features = new FeatureOptions
        {
            Categorical = ["device", "segment"], Numeric = ["price"],
            Columns = { ["device"] = new() { HashBuckets = 50, EmbeddingDim = 3 }, ["price"] = new() { Transform = FeatureOptions.Quantile, QuantileBuckets = 4 } },
            Crosses = [new() { Columns = ["device", "segment"], HashBuckets = 20 }],
        };
        var encoders = FeatureEncoders.Fit(frame, features);
        var architecture = ModelingFixtures.Architecture("ple+wide+shortcut");
        architecture.Dropout = 0.2;
        using var model = MultiTaskModel.Create(encoders, architecture, CPU, seed: 9);
        Trainer.Train(model, encoders.Encode(frame), new TrainingOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.01, Seed = 5, WeightDecay = 1e-3, EmbeddingWeightDecay = 1e-4, MinStepsPerEpoch = 0, EmbeddingLearningRate = null, StartAtBaseRates = false, Patience = 2, ValidationDays = 0 }, CancellationToken.None);

        // What the manifest carries: the encoders as JSON, and the weights.
        var json = System.Text.Json.JsonSerializer.Serialize(encoders, Batch.Publishing.ModelManifest.Json);
        var read = System.Text.Json.JsonSerializer.Deserialize<FeatureEncoders>(json, Batch.Publishing.ModelManifest.Json)!;
        using var buffer = new MemoryStream();
        model.SaveWeights(buffer);
        buffer.Position = 0;
        using var loaded = MultiTaskModel.Load(buffer, read, architecture, CPU);

        Assert.Equal(encoders.Encode(frame).Indices, read.Encode(frame).Indices);
        var before = Scorer.Predict(model, encoders.Encode(frame));
        var after = Scorer.Predict(loaded, read.Encode(frame));
        Assert.Equal(before["ctr"], after["ctr"]);
        Assert.Equal(before["ctcvr"], after["ctcvr"]);
    }

    private static MemoryStream Rewrite(MultiTaskModel model, string name, string? newName)
    {
        var state = model.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        var tensor = state[name];
        state.Remove(name);
        if (newName is not null) state[newName] = tensor;
        var stream = new MemoryStream();
        Safetensors.SaveStateDict(stream, state, leaveOpen: true);
        stream.Position = 0;
        return stream;
    }
}
