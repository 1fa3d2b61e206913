using System.Diagnostics;
using Batch.Pipeline.Resilience;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;

namespace Batch.Pipeline.Ledger;

/// <summary>
/// An attempt's hold on its (model, day). Every write of the attempt goes through <see cref="WriteAsync{T}"/>: in
/// one transaction it locks the attempt's row, checks that the row is still running under the attempt's lease
/// token, renews the lease, and only then writes. A heartbeat renews the lease in the background.
/// <para>
/// The hold is lost — <see cref="Lost"/> fires and every later write throws <see cref="RunHoldLostException"/> —
/// when a write or heartbeat finds the row taken over, or when no renewal has succeeded for almost a whole lease
/// (the database away): the attempt then stops itself before another may take the day over.
/// </para>
/// </summary>
public sealed class RunHold : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _retry;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _interval;
    private readonly Task _heartbeat;
    private long _renewedAtTicks;
    private string? _lastRenewalError;

    private RunHold(NpgsqlDataSource dataSource, RunRecord run, TimeSpan? heartbeatInterval, long? requestedAt, ILogger logger)
    {
        // The lease runs from when the ledger started the attempt, which is no earlier than when it was asked to:
        // counted from then, not from now, so that time spent between the two is not taken for lease left.
        if (requestedAt is { } asked) _renewedAtTicks = -Stopwatch.GetElapsedTime(asked).Ticks;
        _dataSource = dataSource;
        _logger = logger;
        Run = run;
        Lease = TimeSpan.FromSeconds(run.LeaseSeconds);
        // Renew well inside the lease; a tenth of it is the margin by which the attempt stops itself early.
        _interval = heartbeatInterval ?? Lease / 4;
        _retry = TransientRetry.UntilCancelled(dataSource, TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, Math.Min(TimeSpan.FromSeconds(5).Ticks, Lease.Ticks / 8))));
        _heartbeat = Task.Run(HeartbeatAsync);
    }

    /// <summary>Starts holding <paramref name="run"/>, just opened by <see cref="RunLedger.StartAsync"/>.</summary>
    /// <param name="requestedAt">the <see cref="Stopwatch.GetTimestamp"/> taken just before <see cref="RunLedger.StartAsync"/>
    /// was called: the lease is counted from then (null: from now)</param>
    public static RunHold Begin(RunLedger ledger, RunRecord run, ILogger logger, TimeSpan? heartbeatInterval = null, long? requestedAt = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(run);
        return new RunHold(ledger.DataSource, run, heartbeatInterval, requestedAt, logger);
    }

    public RunRecord Run { get; }

    public TimeSpan Lease { get; }

    /// <summary>Fires when the hold is lost; the attempt's work (training above all) watches it.</summary>
    public CancellationToken Lost => _lost.Token;

    /// <summary>Why the hold was lost; null while it holds.</summary>
    public RunHoldLostException? LostBecause { get; private set; }

    /// <summary>How long the lease certainly holds from now, judged from the start of the last renewal that succeeded.</summary>
    public TimeSpan Remaining => Lease - TimeSpan.FromTicks(_clock.Elapsed.Ticks - Interlocked.Read(ref _renewedAtTicks));

    private TimeSpan Margin => Lease / 10;

    /// <summary>
    /// Runs <paramref name="write"/> in a transaction that first checks and renews the hold. Transient errors are
    /// retried on fresh connections until the lease would run out.
    /// </summary>
    /// <exception cref="RunHoldLostException">The attempt no longer holds its day; nothing was written.</exception>
    /// <param name="finishedAs">
    /// for the write that ends the attempt: a row already in this status under the attempt's token means an
    /// earlier try committed and only its answer was lost, so the write is done
    /// </param>
    public async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> write, CancellationToken ct, RunStatus? finishedAs = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        ThrowIfLost();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _lost.Token);
        try
        {
            return await _retry.ExecuteAsync(t => new ValueTask<T>(OnceAsync(write, finishedAs, t)), linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (LostBecause is { } lost && !ct.IsCancellationRequested)
        {
            throw lost;
        }
    }

    public Task WriteAsync(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> write, CancellationToken ct, RunStatus? finishedAs = null) =>
        WriteAsync<bool>(async (c, tx, t) => { await write(c, tx, t).ConfigureAwait(false); return true; }, ct, finishedAs);

    /// <summary>One try: a transaction that locks the row, checks and renews the hold, writes, and commits.</summary>
    private async Task<T> OnceAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<T>> write, RunStatus? finishedAs, CancellationToken ct)
    {
        var started = _clock.Elapsed.Ticks;
        await using var connection = await _dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (!await LockAndRenewAsync(connection, tx, finishedAs, ct).ConfigureAwait(false)) return default!;
        var result = await write(connection, tx, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        Renewed(started);
        return result;
    }

    private static readonly Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<bool>> Nothing = (_, _, _) => Task.FromResult(true);

    /// <summary>Renews the lease now (a write with nothing else in it).</summary>
    public Task RenewAsync(CancellationToken ct) => WriteAsync(Nothing, ct);

    /// <summary>
    /// A token that fires when the lease, as last renewed, is about to end: work that must finish while the
    /// attempt certainly holds its day (a blob write) runs under it.
    /// </summary>
    public CancellationTokenSource WhileHeld(CancellationToken ct)
    {
        ThrowIfLost();
        var source = CancellationTokenSource.CreateLinkedTokenSource(ct, _lost.Token);
        var left = Remaining - Margin;
        if (left > TimeSpan.Zero) source.CancelAfter(left);
        else source.Cancel();
        return source;
    }

    public void ThrowIfLost()
    {
        if (LostBecause is { } lost) throw lost;
    }

    /// <returns>false when the attempt had already finished as <paramref name="finishedAs"/></returns>
    private async Task<bool> LockAndRenewAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RunStatus? finishedAs, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<(string? Status, Guid Token)>(new CommandDefinition(
            "select status, lease_token from batch.runs where id = @id for update", new { id = Run.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        RunStatus? status = row.Status is null ? null : LedgerValues.Parse<RunStatus>(row.Status);
        if (finishedAs is not null && status == finishedAs && row.Token == Run.LeaseToken) return false;
        if (status != RunStatus.Running || row.Token != Run.LeaseToken)
        {
            var successor = await connection.QueryFirstOrDefaultAsync<RunRecord>(new CommandDefinition(
                $"{LedgerSql.SelectRuns} where model = @model and data_day = @day and attempt > @attempt order by attempt desc limit 1",
                new { model = Run.Model, day = Run.DataDay, attempt = Run.Attempt }, tx, cancellationToken: ct)).ConfigureAwait(false);
            var by = successor is null ? "" : $"; attempt {successor.Attempt} (run {successor.Id} on {successor.Host}) took the day over at {successor.StartedAt:u}";
            Lose(new RunHoldLostException(
                $"Run {Run.Id} (attempt {Run.Attempt} of {Run.Model} for {Run.DataDay:yyyy-MM-dd}) no longer holds its day: the ledger marks it {row.Status ?? "missing"}{by}. It stopped at once and writes nothing more, to the ledger or to blob storage.",
                takenOver: true));
            ThrowIfLost();
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "update batch.runs set heartbeat_at = now() where id = @id", new { id = Run.Id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return true;
    }

    private void Renewed(long startedTicks)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _renewedAtTicks);
            if (startedTicks <= current) return;
        }
        while (Interlocked.CompareExchange(ref _renewedAtTicks, startedTicks, current) != current);
    }

    private void Lose(RunHoldLostException reason)
    {
        lock (_lost)
        {
            if (LostBecause is not null) return;
            LostBecause = reason;
        }
        LedgerLog.HoldLost(_logger, Run.Id, reason.Message);
        _lost.Cancel();
    }

    private async Task HeartbeatAsync()
    {
        var tick = TimeSpan.FromTicks(Math.Min(_interval.Ticks, TimeSpan.FromSeconds(1).Ticks));
        var lastTry = TimeSpan.Zero;
        while (!_stop.IsCancellationRequested && LostBecause is null)
        {
            try { await Task.Delay(tick, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            if (_clock.Elapsed - lastTry >= (_lastRenewalError is null ? _interval : tick))
            {
                lastTry = _clock.Elapsed;
                await TryRenewAsync().ConfigureAwait(false);
            }
            if (LostBecause is null && Remaining <= Margin)
                Lose(new RunHoldLostException(
                    $"Run {Run.Id} (attempt {Run.Attempt} of {Run.Model} for {Run.DataDay:yyyy-MM-dd}) could not renew its lease of {Lease.TotalSeconds:F0} s (last error: {_lastRenewalError ?? "none"}); it stopped itself before another attempt could take the day over, and writes nothing more.",
                    takenOver: false));
        }
    }

    private async Task TryRenewAsync()
    {
        try
        {
            // One try, bounded by what is left of the lease: the loop, not the retry policy, decides when to give up.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            bounded.CancelAfter(TimeSpan.FromTicks(Math.Max(1, (Remaining - Margin).Ticks)));
            await OnceAsync(Nothing, finishedAs: null, bounded.Token).ConfigureAwait(false);
            if (_lastRenewalError is not null) LedgerLog.HeartbeatRecovered(_logger, Run.Id);
            _lastRenewalError = null;
        }
        catch (RunHoldLostException)
        {
            // Lose() has cancelled the attempt.
        }
        catch (Exception e)
        {
            // Any failure to renew counts against the lease: the loop stops the attempt if none succeeds in time.
            _lastRenewalError = e.Message;
            if (TransientRetry.IsTransientDatabaseError(e)) _dataSource.Clear();
            LedgerLog.HeartbeatFailed(_logger, Run.Id, e.Message, Remaining.TotalSeconds);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _heartbeat.ConfigureAwait(false);
        _stop.Dispose();
        _lost.Dispose();
    }
}

/// <summary>
/// The attempt no longer holds its (model, day): another attempt took it over, or the lease could not be renewed
/// in time. The attempt stops; it writes nothing more, to the ledger or to blob storage.
/// </summary>
public sealed class RunHoldLostException(string message, bool takenOver) : Exception(message)
{
    public bool TakenOver { get; } = takenOver;
}
