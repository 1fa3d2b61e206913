using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline;

public sealed class RunLedgerTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(30);

    [Fact]
    public async Task Start_RefusesASecondActiveAttemptOfTheSameDay()
    {
        var ledger = new RunLedger(stack.DataSource);
        var day = new DateOnly(2026, 2, 1);
        var first = await ledger.StartAsync("a", day, "test", null, Lease, CancellationToken.None);
        var e = await Assert.ThrowsAsync<RunAlreadyActiveException>(() => ledger.StartAsync("a", day, "test", null, Lease, CancellationToken.None));
        Assert.Contains($"Attempt 1 of a for 2026-02-01 is still running (run {first.Id}", e.Message, StringComparison.Ordinal);

        // Another model or another day is free.
        await ledger.StartAsync("b", day, "test", null, Lease, CancellationToken.None);
        await ledger.StartAsync("a", day.AddDays(1), "test", null, Lease, CancellationToken.None);

        await ledger.FinishRunAsync(first.Id, "failed", "boom", CancellationToken.None);
        var second = await ledger.StartAsync("a", day, "test", null, Lease, CancellationToken.None);
        Assert.Equal(2, second.Attempt);
    }

    [Fact]
    public async Task Start_TakesOverAnAttemptWhoseLeaseLapsed()
    {
        var ledger = new RunLedger(stack.DataSource);
        var day = new DateOnly(2026, 2, 10);
        var dead = await ledger.StartAsync("c", day, "test", null, Lease, CancellationToken.None);
        await stack.ExecuteAsync($"update batch.runs set heartbeat_at = now() - interval '31 minutes' where id = {dead.Id}");

        var next = await ledger.StartAsync("c", day, "test", null, Lease, CancellationToken.None);
        Assert.Equal(2, next.Attempt);
        var runs = await ledger.RunsAsync("c", day, CancellationToken.None);
        Assert.Equal(["abandoned", "running"], runs.Select(r => r.Status));
        Assert.Contains("presumed dead", runs[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDatabaseItselfForbidsTwoRunningAttempts()
    {
        var day = new DateOnly(2026, 2, 20);
        await stack.ExecuteAsync($"insert into batch.runs (model, data_day, attempt, status, trigger, host) values ('d', '{day:yyyy-MM-dd}', 1, 'running', 't', 'h')");
        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            stack.ExecuteAsync($"insert into batch.runs (model, data_day, attempt, status, trigger, host) values ('d', '{day:yyyy-MM-dd}', 2, 'running', 't', 'h')"));
        Assert.Equal("runs_one_active_attempt", e.ConstraintName);
    }
}
