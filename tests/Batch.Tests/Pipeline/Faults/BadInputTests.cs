using Batch.Pipeline.Ledger;
using Batch.Core.Days;
using Batch.Pipeline.Runs;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>
/// Bad source rows planted in the real tables: each fails the run in its validate step with the check's name,
/// the value observed, the threshold and the first offenders; nothing is trained or published; once the rows are
/// fixed, a re-run of the day succeeds.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class BadInputTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private const string Model = "bad";
    private static readonly DateOnly HeldOut = PipelineRig.LastDay;
    private static readonly DateOnly InWindow = PipelineRig.LastDay.AddDays(-2);
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    public async Task InitializeAsync()
    {
        await using var rig = Rig();
        await rig.SeedAsync();
        await rig.RunAsync(Model, PipelineRig.LastDay.AddDays(-1)); // a model in production to protect
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private PipelineRig Rig() => new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);

    private static string Day(DateOnly day)
    {
        var (start, end) = DataDays.Bounds(day, Zone);
        return $"event_time >= '{start:O}' and event_time < '{end:O}'";
    }

    [Fact]
    public async Task ADayOfTheWindowWithoutRows_IsNamed()
    {
        await stack.ExecuteAsync($"create table saved_day as select * from impressions where {Day(InWindow)}; delete from impressions where {Day(InWindow)}");
        var e = await FailsValidationAsync("day-present");
        Assert.Contains("[day-present] training window 2026-10-17..2026-10-19: 1 of 3 days have no impressions (threshold: every day present); first offending: days 2026-10-18", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("insert into impressions select * from saved_day; drop table saved_day");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task ADetachedPartitionInTheWindow_IsAMissingDay()
    {
        var partition = $"impressions_{InWindow:yyyyMMdd}";
        var bounds = await stack.ScalarAsync<string>($"select pg_get_expr(relpartbound, oid) from pg_class where relname = '{partition}'");
        await stack.ExecuteAsync($"alter table impressions detach partition {partition}");
        var e = await FailsValidationAsync("day-present");
        Assert.Contains("first offending: days 2026-10-18", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync($"alter table impressions attach partition {partition} {bounds}");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AHalfLoadedDayOfTheWindow_IsOutsideTheBandAroundTheMedian()
    {
        await stack.ExecuteAsync($"create table saved_rows as select * from impressions where {Day(InWindow)} and id % 10 <> 0; delete from impressions i using saved_rows s where i.id = s.id and i.event_time = s.event_time");
        var e = await FailsValidationAsync("day-volume");
        Assert.Contains("[day-volume] training window 2026-10-17..2026-10-19: 1 days outside the band around the median day of 2000 impressions (threshold: 0.3–3× the median); first offending: 2026-10-18 (200 impressions, 0.10×)", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("insert into impressions select * from saved_rows; drop table saved_rows");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task ADuplicateImpressionIdInTheWindow_IsNamed()
    {
        var id = await stack.ScalarAsync<long>($"select min(id) from impressions where {Day(InWindow)}");
        await stack.ExecuteAsync($"insert into impressions select id, event_time + interval '1 minute', user_id, item_id, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked from impressions where id = {id}");
        var e = await FailsValidationAsync("duplicate-impression-id");
        Assert.Contains($"1 impression ids occur more than once (threshold: each id once); first offending: ids {id}", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync($"delete from impressions where id = {id} and event_time = (select max(event_time) from impressions where id = {id})");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AnIdOfTheWindowAgainInTheHeldOutDay_IsADuplicate()
    {
        var id = await stack.ScalarAsync<long>($"select min(id) from impressions where {Day(InWindow)}");
        var (start, _) = DataDays.Bounds(HeldOut, Zone);
        await stack.ExecuteAsync($"insert into impressions select id, '{start.AddHours(12):O}', user_id, item_id, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked from impressions where id = {id}");
        var e = await FailsValidationAsync("duplicate-impression-id");
        Assert.Contains($"first offending: ids {id}", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync($"delete from impressions where id = {id} and event_time = '{start.AddHours(12):O}'");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AConversionWithoutItsImpression_IsNamed()
    {
        var (start, _) = DataDays.Bounds(InWindow, Zone);
        await stack.ExecuteAsync($"insert into conversions values (990000001, 424242, '{start.AddHours(10):O}', 9.99)");
        var e = await FailsValidationAsync("conversion-orphan");
        Assert.Contains("1 conversions whose impression does not exist (threshold: 0); first offending: conversions 990000001 (impression 424242)", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("delete from conversions where conversion_id = 990000001");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AConversionBeforeItsImpression_IsNamed()
    {
        var id = await stack.ScalarAsync<long>($"select min(id) from impressions i where {Day(InWindow)} and clicked and extract(hour from event_time at time zone 'Europe/Amsterdam') >= 12 and not exists (select 1 from conversions c where c.impression_id = i.id)");
        await stack.ExecuteAsync($"insert into conversions select 990000002, id, event_time - interval '1 hour', 5 from impressions where id = {id}");
        var e = await FailsValidationAsync("conversion-before-impression");
        Assert.Contains($"1 conversions recorded before their impression (threshold: 0); first offending: conversions 990000002 (impression {id}, 01:00:00 before it)", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("delete from conversions where conversion_id = 990000002");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AnEmptyHeldOutDay_FailsBeforeTraining()
    {
        await stack.ExecuteAsync($"create table saved_held as select * from impressions where {Day(HeldOut)}; delete from impressions where {Day(HeldOut)}");
        var e = await FailsValidationAsync("rows-present");
        Assert.Contains("[rows-present] held-out day 2026-10-20: 0 impressions (threshold: at least 1)", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("insert into impressions select * from saved_held; drop table saved_held");
        await RerunSucceedsAsync();
    }

    private async Task<DataValidationException> FailsValidationAsync(string check)
    {
        await using var rig = Rig();
        var moves = (await rig.Promotions.HistoryAsync(Model, CancellationToken.None)).Count;
        var before = await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves);

        var e = await Assert.ThrowsAsync<DataValidationException>(() => rig.RunAsync(Model, HeldOut));

        Assert.Contains(e.Findings, f => f.Check == check);
        Assert.EndsWith($"Fix the source rows, then re-run the day: batch rerun --model {Model} --day 2026-10-20", e.Message, StringComparison.Ordinal);
        var run = (await rig.Ledger.RunsAsync(Model, HeldOut, CancellationToken.None))[^1];
        Assert.Equal((RunStatus.Failed, e.Message), (run.Status, run.Error));
        Assert.Equal([("preflight", StepStatus.Succeeded), ("extract", StepStatus.Succeeded), ("validate", StepStatus.Failed)],
            (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
        Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.model_versions where run_id = {run.Id}"));
        Assert.Equal(before, await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves));
        return e;
    }

    private async Task RerunSucceedsAsync()
    {
        await using var rig = Rig();
        var moves = (await rig.Promotions.HistoryAsync(Model, CancellationToken.None)).Count;
        var outcome = await rig.RunAsync(Model, HeldOut);
        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves + 1));
    }
}
