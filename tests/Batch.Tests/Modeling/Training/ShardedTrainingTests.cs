using Batch.Core.Options;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Modeling.Training;

/// <summary>
/// Training from encoded shards on disk: the shuffle is over the window's rows, not the shards', so the same seed
/// gives the same model whether the window is in memory, in one shard or in many — and the same validation losses.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class ShardedTrainingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "batch-encoded-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private EncodedShards Shards(EncodedFrame frame, params int[] cuts)
    {
        var shards = new EncodedShards(Path.Combine(_folder, Guid.NewGuid().ToString("N")), frame.CategoricalCount, frame.NumericCount, frame.TaskCount);
        var bounds = cuts.Prepend(0).Append(frame.Rows).ToArray();
        for (var s = 0; s + 1 < bounds.Length; s++) shards.Append(Frames.Subset(frame, Enumerable.Range(bounds[s], bounds[s + 1] - bounds[s]).ToArray()));
        return shards;
    }

    [Fact]
    public void Shards_ReadBackEveryRow_InAnyOrder_AcrossShardEdges()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(50);
        var data = encoders.Encode(frame);
        using var shards = Shards(data, 7, 8, 30);
        Assert.Equal((50, 4), (shards.Rows, shards.ShardCount));
        int[] rows = [49, 0, 7, 8, 9, 10, 29, 30, 31, 6, 6];
        var expected = data.Read(rows);
        var got = shards.Read(rows);
        Assert.Equal(expected.Indices, got.Indices);
        Assert.Equal(expected.Values, got.Values);
        Assert.Equal(expected.Targets, got.Targets);
        Assert.Equal((frame.Clicked[49] ? 1f : 0f, frame.Converted[49] ? 1f : 0f), (got.Target(0, 0), got.Target(0, 1)));
        // The totals the shards keep as they are written are the labels' sums, as the frame's are.
        double[] outcomes = [frame.Clicked.Count(c => c), frame.Converted.Count(c => c)];
        Assert.True(outcomes[0] > 0 && outcomes[1] > 0);
        Assert.Equal(outcomes, data.TargetSums);
        Assert.Equal(data.TargetSums, shards.TargetSums);
        Assert.Throws<ArgumentOutOfRangeException>(() => shards.Read([50]));
    }

    [Fact]
    public void SameSeed_SameModel_InMemory_InOneShard_OrInMany()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(300);
        var data = encoders.Encode(frame);
        var validation = encoders.Encode(ModelingFixtures.Frame(80, seed: 4));
        var options = new TrainingOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.02, Seed = 5, Patience = 5, MinStepsPerEpoch = 0, EmbeddingLearningRate = null, StartAtBaseRates = false, EmbeddingWeightDecay = 0, ValidationDays = 0 };

        (Dictionary<string, float[]> Weights, IReadOnlyList<EpochLoss> History) Train(IEncodedRows rows, IEncodedRows valid)
        {
            using var model = MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 9);
            var history = Trainer.Train(model, rows, options, CancellationToken.None, validation: valid);
            return (model.Network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray()), history);
        }

        var memory = Train(data, validation);
        using var one = Shards(data);
        using var many = Shards(data, 31, 32, 100, 299);
        using var validOne = Shards(validation);
        using var validMany = Shards(validation, 40);
        foreach (var (rows, valid) in new (IEncodedRows, IEncodedRows)[] { (one, validOne), (many, validMany) })
        {
            var sharded = Train(rows, valid);
            Assert.Equal(memory.Weights.Keys, sharded.Weights.Keys);
            foreach (var (name, weights) in memory.Weights) Assert.Equal(weights, sharded.Weights[name]);
            Assert.Equal(memory.History.Select(e => (e.Losses["ctr"], e.Losses["ctcvr"], e.ValidationLosses?["ctr"], e.ValidationLosses?["ctcvr"])),
                sharded.History.Select(e => (e.Losses["ctr"], e.Losses["ctcvr"], e.ValidationLosses?["ctr"], e.ValidationLosses?["ctcvr"])));
        }
        // And training moved the weights: the runs compared are trained models, not their starting points.
        using var untrained = MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 9);
        Assert.Contains(untrained.Network.state_dict(), kv => !kv.Value.data<float>().ToArray().SequenceEqual(memory.Weights[kv.Key]));
    }

    [Fact]
    public void DisposingShards_DeletesTheirFiles()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(20);
        var shards = Shards(encoders.Encode(frame), 10);
        var folder = shards.Folder;
        Assert.Equal(2, Directory.GetFiles(folder).Length);
        shards.Dispose();
        Assert.False(Directory.Exists(folder));
    }
}
