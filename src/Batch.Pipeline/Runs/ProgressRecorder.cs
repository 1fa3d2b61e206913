using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Batch.Pipeline.Ledger;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Batch.Pipeline.Runs;

/// <summary>
/// Keeps <c>batch.runs.progress</c> of a running attempt current — at each step's start and at most every two
/// seconds within one — so that the Models page can show it. Only while the attempt still holds its day.
/// </summary>
public sealed class ProgressRecorder(NpgsqlDataSource dataSource, ILogger<ProgressRecorder> logger) : IRunObserver
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(2);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    // Keyed by the attempt's record, so that an entry goes when its attempt does.
    private readonly ConditionalWeakTable<RunRecord, StrongBox<TimeSpan>> _last = [];

    public void StepStarted(RunRecord run, string stepName)
    {
        ArgumentNullException.ThrowIfNull(run);
        Write(run, new ProgressSnapshot(stepName));
    }

    public void Progress(RunRecord run, RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(progress);
        var last = _last.GetValue(run, _ => new StrongBox<TimeSpan>(-Every));
        lock (last)
        {
            if (_clock.Elapsed - last.Value < Every) return;
            last.Value = _clock.Elapsed;
        }
        Write(run, new ProgressSnapshot(progress.Step)
        {
            Done = progress.Done, Total = progress.Total, Unit = progress.Unit, Rate = Math.Round(progress.Rate),
            RemainingSeconds = progress.Remaining is { } left ? Math.Round(left.TotalSeconds) : null,
            Epoch = progress.Epoch, Epochs = progress.Epochs, Batch = progress.Batch, Batches = progress.Batches,
        });
    }

    private void Write(RunRecord run, ProgressSnapshot progress)
    {
        try
        {
            using var connection = dataSource.OpenConnection();
            connection.Execute(new CommandDefinition(
                "update batch.runs set progress = @progress::jsonb where id = @id and lease_token = @token and status = 'running'",
                new { id = run.Id, token = run.LeaseToken, progress = JsonSerializer.Serialize(progress, StepDetailJson.Options) }));
        }
        catch (NpgsqlException e)
        {
            // Progress is for people watching; the attempt's own writes, which retry, decide its fate.
            ProgressLog.NotRecorded(logger, run.Id, e.Message);
        }
    }
}

internal static partial class ProgressLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: progress not recorded ({Reason})")]
    public static partial void NotRecorded(ILogger logger, long runId, string reason);
}
