using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Xunit;

namespace Batch.Tests.Pipeline;

public sealed class RunLedgerTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(30);

    private RunLedger Ledger => new(stack.DataSource);

    [Fact]
    public async Task Start_RefusesASecondActiveAttemptOfTheSameDay()
    {
        var ledger = Ledger;
        var day = new DateOnly(2026, 2, 1);
        var first = await ledger.StartAsync("a", day, "test", null, Lease, CancellationToken.None);
        var e = await Assert.ThrowsAsync<RunAlreadyActiveException>(() => ledger.StartAsync("a", day, "test", null, Lease, CancellationToken.None));
        Assert.Contains($"Attempt 1 of a for 2026-02-01 is still running (run {first.Id}", e.Message, StringComparison.Ordinal);

        // Another model or another day is free.
        await ledger.StartAsync("b", day, "test", null, Lease, CancellationToken.None);
        await ledger.StartAsync("a", day.AddDays(1), "test", null, Lease, CancellationToken.None);

        await using (var hold = RunHold.Begin(ledger, first, NullLogger.Instance))
            await hold.FinishRunAsync(RunStatus.Failed, "boom", null, CancellationToken.None);
        var second = await ledger.StartAsync("a", day, "test", null, Lease, CancellationToken.None);
        Assert.Equal(2, second.Attempt);
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);
    }

    [Fact]
    public async Task Start_TakesOverAnAttemptWhoseOwnLeaseLapsed()
    {
        var ledger = Ledger;
        var day = new DateOnly(2026, 2, 10);
        var dead = await ledger.StartAsync("c", day, "test", null, TimeSpan.FromMinutes(1), CancellationToken.None);
        await stack.ExecuteAsync($"update batch.runs set heartbeat_at = now() - interval '61 seconds' where id = {dead.Id}");

        // The newcomer's own (long) lease does not matter: the running attempt's recorded one does.
        var next = await ledger.StartAsync("c", day, "test", null, Lease, CancellationToken.None);
        Assert.Equal(2, next.Attempt);
        var runs = await ledger.RunsAsync("c", day, CancellationToken.None);
        Assert.Equal([RunStatus.Abandoned, RunStatus.Running], runs.Select(r => r.Status));
        Assert.Contains("its lease of 60 s lapsed", runs[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAShorterLease_CannotTakeOverAnAttemptWhoseRecordedLeaseHolds()
    {
        var ledger = Ledger;
        var day = new DateOnly(2026, 2, 11);
        var alive = await ledger.StartAsync("c2", day, "test", null, Lease, CancellationToken.None);
        await stack.ExecuteAsync($"update batch.runs set heartbeat_at = now() - interval '5 minutes' where id = {alive.Id}");

        await Assert.ThrowsAsync<RunAlreadyActiveException>(() => ledger.StartAsync("c2", day, "test", null, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(RunStatus.Running, (await ledger.RunAsync(alive.Id, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task AnAttemptTakenOver_CannotWriteAStepOrFinish_AndItsHoldIsLost()
    {
        var ledger = Ledger;
        var day = new DateOnly(2026, 2, 12);
        var old = await ledger.StartAsync("e", day, "test", null, TimeSpan.FromMinutes(1), CancellationToken.None);
        await using var hold = RunHold.Begin(ledger, old, NullLogger.Instance);
        await hold.StartStepAsync("train", 1, CancellationToken.None);
        await stack.ExecuteAsync($"update batch.runs set heartbeat_at = now() - interval '2 minutes' where id = {old.Id}");
        var successor = await ledger.StartAsync("e", day, "test", null, Lease, CancellationToken.None);

        var e = await Assert.ThrowsAsync<RunHoldLostException>(() => hold.FinishStepAsync("train", new { }, CancellationToken.None));
        Assert.True(e.TakenOver);
        Assert.Contains($"attempt 2 (run {successor.Id}", e.Message, StringComparison.Ordinal);
        Assert.True(hold.Lost.IsCancellationRequested);
        await Assert.ThrowsAsync<RunHoldLostException>(() => hold.FinishRunAsync(RunStatus.Succeeded, null, null, CancellationToken.None));

        Assert.Equal(RunStatus.Abandoned, (await ledger.RunAsync(old.Id, CancellationToken.None)).Status);
        // The step it had open was closed by the takeover, not by the old attempt's write.
        var step = (await ledger.StepsAsync(old.Id, CancellationToken.None)).Single();
        Assert.Equal((StepStatus.Failed, "the attempt was abandoned: its lease lapsed"), (step.Status, step.Error));
        // The failure path of a taken-over attempt changes nothing but the note.
        Assert.False(await ledger.FailAsync(old, "stopped", "trace", TimeSpan.FromSeconds(10)));
        Assert.Equal(RunStatus.Abandoned, (await ledger.RunAsync(old.Id, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task TheHeartbeat_NoticesATakeover_AndCancelsTheAttempt()
    {
        var ledger = Ledger;
        var day = new DateOnly(2026, 2, 13);
        var run = await ledger.StartAsync("f", day, "test", null, Lease, CancellationToken.None);
        await using var hold = RunHold.Begin(ledger, run, NullLogger.Instance, heartbeatInterval: TimeSpan.FromMilliseconds(200));
        await stack.ExecuteAsync($"update batch.runs set status = 'abandoned', finished_at = now() where id = {run.Id}");

        await Task.Delay(TimeSpan.FromSeconds(10), hold.Lost).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(hold.Lost.IsCancellationRequested);
        Assert.True(hold.LostBecause!.TakenOver);
    }

    [Fact]
    public async Task AnAttemptThatCannotRenewBeforeItsLeaseEnds_StopsItself()
    {
        var ledger = Ledger;
        var run = await ledger.StartAsync("g", new DateOnly(2026, 2, 14), "test", null, TimeSpan.FromSeconds(2), CancellationToken.None);
        // The same attempt, seen through a server that does not answer: nothing listens on that port.
        var port = FreePort.Next();
        await using var unreachable = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=batch;Database=batch;Timeout=1");
        await using var hold = RunHold.Begin(new RunLedger(unreachable), run, NullLogger.Instance);

        await Task.Delay(TimeSpan.FromSeconds(10), hold.Lost).ContinueWith(_ => { }, TaskScheduler.Default);
        Assert.True(hold.Lost.IsCancellationRequested);
        Assert.False(hold.LostBecause!.TakenOver);
        Assert.Contains("could not renew its lease of 2 s", hold.LostBecause.Message, StringComparison.Ordinal);
        Assert.Contains("writes nothing more", hold.LostBecause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkUnderWhileHeld_IsCancelledBeforeTheLeaseCanLapse()
    {
        var ledger = Ledger;
        var lease = TimeSpan.FromSeconds(3);
        var requested = System.Diagnostics.Stopwatch.GetTimestamp();
        var run = await ledger.StartAsync("g2", new DateOnly(2026, 2, 15), "test", null, lease, CancellationToken.None);
        var started = DateTimeOffset.UtcNow; // the lease runs from the start, at the latest
        // The heartbeat cannot renew (nothing listens there), so the lease ends 3 s after the start at the latest.
        var port = FreePort.Next();
        await using var unreachable = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=batch;Database=batch;Timeout=1");
        // Counted from before the start: a busy test host may take a while between the two.
        await using var hold = RunHold.Begin(new RunLedger(unreachable), run, NullLogger.Instance, requestedAt: requested);
        var sinceRequested = System.Diagnostics.Stopwatch.GetElapsedTime(requested);
        Assert.True(hold.Remaining <= lease - sinceRequested, $"{hold.Remaining} left of a {lease} lease asked for {sinceRequested} ago");

        using var held = hold.WhileHeld(CancellationToken.None);
        // The moment of cancellation, taken by the token's own callback: not when a busy test host gets round to
        // running the awaiting code.
        var cancelled = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = held.Token.Register(() => cancelled.TrySetResult(DateTimeOffset.UtcNow));
        var blobWrite = Task.Delay(Timeout.InfiniteTimeSpan, held.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blobWrite.WaitAsync(TimeSpan.FromSeconds(30)));
        var cancelledAt = await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // A tenth of the lease before it ends: by then no other attempt can have taken the day over.
        var heartbeat = await stack.ScalarAsync<DateTime>($"select heartbeat_at from batch.runs where id = {run.Id}");
        var lapses = new DateTimeOffset(DateTime.SpecifyKind(heartbeat, DateTimeKind.Utc)) + lease;
        Assert.True(cancelledAt < lapses, $"cancelled at {cancelledAt:O}, the lease lapses at {lapses:O}");
        Assert.True(cancelledAt - started < lease);
        Assert.True(held.IsCancellationRequested);
    }

    [Fact]
    public async Task TheDatabaseItselfForbidsTwoRunningAttempts()
    {
        var day = new DateOnly(2026, 2, 20);
        const string Insert = "insert into batch.runs (model, data_day, attempt, status, trigger, host, lease_token, lease_seconds) values ('d', '{0:yyyy-MM-dd}', {1}, 'running', 't', 'h', gen_random_uuid(), 60)";
        await stack.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Insert, day, 1));
        var e = await Assert.ThrowsAsync<PostgresException>(() =>
            stack.ExecuteAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, Insert, day, 2)));
        Assert.Equal("runs_one_active_attempt", e.ConstraintName);
    }
}
