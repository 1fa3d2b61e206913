using System.Diagnostics;
using Batch.Data.Shards;
using Batch.Pipeline.Ledger;
using Polly;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>The training window and the held-out day of an attempt, as their day shards on disk. Disposing closes the shards.</summary>
internal sealed class WindowFrames(ShardedWindow train, ShardedWindow heldOut) : IDisposable
{
    public ShardedWindow Train { get; } = train;

    public ShardedWindow HeldOut { get; } = heldOut;

    public void Dispose()
    {
        Train.Dispose();
        HeldOut.Dispose();
    }
}

/// <summary>
/// extract: the window's and the held-out day's rows, with their labels, day by day through the shard cache; progress
/// reported as rows arrive.
/// </summary>
internal sealed class ExtractStep(DayShards shards, ResiliencePipeline transient, RunObservers observers) : IRunStep<Attempt, WindowFrames, ExtractDetail>
{
    public string Name => "extract";

    public async Task<StepResult<WindowFrames, ExtractDetail>> RunAsync(Attempt input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        var clock = Stopwatch.StartNew();
        var (train, heldOut, days) = await TrainingData.ReadAsync(shards, transient, input.Profile, input.Settings, input.Run.DataDay, ct,
            rows => observers.Progress(input.Run, new RunProgress(Name, rows, 0, "rows", clock.Elapsed))).ConfigureAwait(false);
        return new(new WindowFrames(train, heldOut),
            new ExtractDetail(train.Count, train.RowsPerDay(), train.FirstDay, train.LastDay, heldOut.Count, input.Run.DataDay)
            {
                Shards = days,
                Source = $"{input.Profile.Source.Impressions.Table} and {input.Profile.Source.Conversions.Table}",
                ChangeDetection = input.Profile.Source.ChangeDetection,
            });
    }
}
