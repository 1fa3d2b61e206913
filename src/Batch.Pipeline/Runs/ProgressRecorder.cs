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
        Write(run, new { step = stepName });
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
        Write(run, new
        {
            step = progress.Step, done = progress.Done, total = progress.Total, unit = progress.Unit, rate = Math.Round(progress.Rate),
            remainingSeconds = progress.Remaining is { } left ? Math.Round(left.TotalSeconds) : (double?)null,
            epoch = progress.Epoch, epochs = progress.Epochs, batch = progress.Batch, batches = progress.Batches,
        });
    }

    private void Write(RunRecord run, object progress)
    {
        try
        {
            using var connection = dataSource.OpenConnection();
            connection.Execute(new CommandDefinition(
                "update batch.runs set progress = @progress::jsonb where id = @id and lease_token = @token and status = 'running'",
                new { id = run.Id, token = run.LeaseToken, progress = JsonSerializer.Serialize(progress) }));
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
