using Batch.Data.Shards;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Runs;

/// <summary>
/// The nightly run through the shard cache: a re-run of a day reads its unchanged days from disk and trains the same
/// model from them, a day whose source rows changed is read from the database again, and no attempt leaves its
/// encoded window behind.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class ShardReuseTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task ReRun_ReadsUnchangedDaysFromShards_AndAChangedDayFromTheDatabase()
    {
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, ["tiny"]);
        await rig.SeedAsync();

        var first = await rig.RunAsync("tiny");
        var firstExtract = (await rig.Ledger.StepDetailAsync<ExtractDetail>(first.RunId, "extract", CancellationToken.None))!;
        Assert.All(firstExtract.Shards, s => Assert.Equal((false, "no shard"), (s.Reused, s.Reason)));
        Assert.Equal(rig.Options.Profile("tiny").TrainingDays + 1, firstExtract.Shards.Count);

        var second = await rig.RunAsync("tiny");
        var secondExtract = (await rig.Ledger.StepDetailAsync<ExtractDetail>(second.RunId, "extract", CancellationToken.None))!;
        Assert.All(secondExtract.Shards, s => Assert.True(s.Reused, $"{s.Day}: {s.Reason}"));
        Assert.Equivalent(firstExtract with { Shards = [] }, secondExtract with { Shards = [] }, strict: true);
        // The same rows, the same seed: the same training, epoch by epoch.
        var losses = await Task.WhenAll(new[] { first, second }.Select(async r =>
            (await rig.Ledger.StepDetailAsync<TrainDetail>(r.RunId, "train", CancellationToken.None))!.Epochs.Select(e => (e.Losses["ctr"], e.Losses["ctcvr"])).ToList()));
        Assert.Equal(losses[0], losses[1]);

        // An impression of the window's first day changes: that day is read again, the others are not.
        var firstDay = firstExtract.TrainFirst;
        var (start, end) = Batch.Core.Days.DataDays.Bounds(firstDay, rig.Options.TimeZone());
        await stack.ExecuteAsync($"update impressions set price = price * 2 where id = (select min(id) from impressions where event_time >= '{start:O}' and event_time < '{end:O}')");
        var third = await rig.RunAsync("tiny");
        var thirdExtract = (await rig.Ledger.StepDetailAsync<ExtractDetail>(third.RunId, "extract", CancellationToken.None))!;
        Assert.Equal([(firstDay, false, "source day changed (row-version)")], thirdExtract.Shards.Where(s => !s.Reused).Select(s => (s.Day, s.Reused, s.Reason)));

        // Each attempt's encoded window is gone once it trained.
        var runs = Path.Combine(rig.ShardDirectory, DayShards.RunsFolder);
        Assert.True(!Directory.Exists(runs) || Directory.GetFileSystemEntries(runs).Length == 0, string.Join(", ", Directory.Exists(runs) ? Directory.GetFileSystemEntries(runs) : []));
        Assert.Equal(firstExtract.Shards.Count, Directory.GetFiles(rig.ShardDirectory, "*.shard").Length);
    }
}
