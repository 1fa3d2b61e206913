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

    private PipelineRig Rig(Dictionary<string, string?>? extra = null) => new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model], extra: extra);

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
        Assert.Contains("1 conversions whose impression does not exist (threshold: 0); first offending: conversions of impression 424242 at ", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("delete from conversions where conversion_id = 990000001");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AConversionBeforeItsImpression_IsNamed()
    {
        var id = await stack.ScalarAsync<long>($"select min(id) from impressions i where {Day(InWindow)} and clicked and extract(hour from event_time at time zone 'Europe/Amsterdam') >= 12 and not exists (select 1 from conversions c where c.impression_id = i.id)");
        await stack.ExecuteAsync($"insert into conversions select 990000002, id, event_time - interval '1 hour', 5 from impressions where id = {id}");
        var e = await FailsValidationAsync("conversion-before-impression");
        Assert.Matches($@"1 conversions recorded before their impression \(threshold: 0\); first offending: conversions of impression {id} at [-0-9: +]+, 01:00:00 before it", e.Message);
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

    [Fact]
    public async Task TheHeldOutDayLoadedTwiceUnderNewIds_IsADuplicateOfItsContent()
    {
        await stack.ExecuteAsync($"insert into impressions select id + 1000000000000000, event_time, user_id, item_id, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked from impressions where {Day(HeldOut)}");
        var e = await FailsValidationAsync("duplicate-content");
        Assert.Contains("[duplicate-content] training window and held-out day 2026-10-17..2026-10-20: 1 days have rows repeating another row's event time and every feature column under another id", e.Message, StringComparison.Ordinal);
        Assert.Matches(@"first offending: 2026-10-20 \(2000 of 4000 rows, 50\.0 %: id 10\d{14} repeats id \d{14}, ", e.Message);
        Assert.DoesNotContain(e.Findings, f => f.Check == "held-out-volume"); // 2× the volume is inside the band: only the content tells
        await stack.ExecuteAsync("delete from impressions where id >= 1000000000000000");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task ACategoricalColumnNulledOnATenthOfADay_IsANullShareFinding()
    {
        await stack.ExecuteAsync($"create table saved_segments as select id, user_segment from impressions where {Day(InWindow)} and id % 10 = 3; update impressions set user_segment = null where {Day(InWindow)} and id % 10 = 3");
        var e = await FailsValidationAsync("null-share-user_segment");
        Assert.Matches(@"\[null-share-user_segment\] training window and held-out day 2026-10-17\.\.2026-10-20: 1 days have user_segment null in a larger share of their impressions than the window's median day \(0\.0 %\) \(threshold: at most 5\.0 % more than the median day\); first offending: 2026-10-18 \(\d+\.\d %: ids \d+3, ", e.Message);
        await stack.ExecuteAsync("update impressions i set user_segment = s.user_segment from saved_segments s where i.id = s.id; drop table saved_segments");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task APriceWhoseSquareOverflows_CannotBeStandardised_AndIsNamed()
    {
        var id = await stack.ScalarAsync<long>($"select min(id) from impressions where {Day(InWindow)}");
        await stack.ExecuteAsync($"create table saved_price as select id, price from impressions where id = {id}; update impressions set price = 1e300 where id = {id}");
        var e = await FailsValidationAsync("standardise-price");
        Assert.Contains($"[standardise-price] training window 2026-10-17..2026-10-19: price after none has mean ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"first offending: largest: 1E+300 (id {id}, 2026-10-18)", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("update impressions i set price = s.price from saved_price s where i.id = s.id; drop table saved_price");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AValueLog1pCannotTake_IsAValidationFinding_WithItsDayAndId()
    {
        var log1p = new Dictionary<string, string?> { [$"Batch:Models:{Model}:Features:Columns:user_activity:Transform"] = "log1p" };
        var id = await stack.ScalarAsync<long>($"select min(id) from impressions where {Day(InWindow)}");
        await stack.ExecuteAsync($"create table saved_activity as select id, user_activity from impressions where id = {id}; update impressions set user_activity = -2 where id = {id}");
        var e = await FailsValidationAsync("transform-user_activity", log1p);
        Assert.Contains($"1 impressions have a user_activity that log1p cannot take (threshold: values above −1 (or Features:Columns:user_activity:Transform clip)); first offending: ids {id} (2026-10-18, -2)", e.Message, StringComparison.Ordinal);
        await stack.ExecuteAsync("update impressions i set user_activity = s.user_activity from saved_activity s where i.id = s.id; drop table saved_activity");
        await RerunSucceedsAsync(log1p);
    }

    [Fact]
    public async Task TextThatIsNoNumber_InAColumnReadAsANumber_FailsExtraction_WithPostgresOwnMessage()
    {
        // Late in the day, so that the COPY fails while its rows stream in (Npgsql then fails closing the connection).
        var id = await stack.ScalarAsync<long>($"select id from impressions where {Day(InWindow)} order by event_time, id offset 1800 limit 1");
        await stack.ExecuteAsync($"alter table impressions alter column price type text; create table saved_text as select id, price from impressions where id = {id}; update impressions set price = 'N/A' where id = {id}");
        await using (var rig = Rig())
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => rig.RunAsync(Model, HeldOut));
            Assert.Contains("invalid input syntax for type double precision: \"N/A\"", e.Message, StringComparison.Ordinal);
            var run = (await rig.Ledger.RunsAsync(Model, HeldOut, CancellationToken.None))[^1];
            Assert.Equal((RunStatus.Failed, e.Message), (run.Status, run.Error));
            Assert.Equal(("extract", StepStatus.Failed), (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)).Last());
            Assert.Contains("invalid input syntax for type double precision", await stack.ScalarAsync<string>($"select error_detail from batch.runs where id = {run.Id}"), StringComparison.Ordinal);
        }
        await stack.ExecuteAsync("update impressions i set price = s.price from saved_text s where i.id = s.id; drop table saved_text; alter table impressions alter column price type double precision using price::double precision");
        await RerunSucceedsAsync();
    }

    [Fact]
    public async Task AHeldOutDayWhoseDeviceMixMoved_FailsByItsPsi_NamingTheFeatureAndTheBucketsThatMoved()
    {
        await stack.ExecuteAsync($"create table saved_device as select id, device from impressions where {Day(HeldOut)}; update impressions set device = 'tv' where {Day(HeldOut)} and id % 3 <> 0");
        var e = await FailsValidationAsync("feature-psi-device");
        var finding = e.Findings.Single(f => f.Check == "feature-psi-device");
        // The world has no device 'tv': two thirds of the day's devices are new to the window.
        Assert.Matches(@"^device's distribution moved: PSI \d+\.\d{3}, 66\.\d % of its values unseen in the window$", finding.Observed);
        Assert.Equal("at most 0.25 (Validation:MaxFeaturePsi)", finding.Threshold);
        Assert.StartsWith("(other values) 0.0 % → 66.", finding.Offending, StringComparison.Ordinal);
        Assert.DoesNotContain(e.Findings, f => f.Check.StartsWith("feature-psi-", StringComparison.Ordinal) && f.Check != "feature-psi-device");
        await stack.ExecuteAsync("update impressions i set device = s.device from saved_device s where s.id = i.id; drop table saved_device");
        await RerunSucceedsAsync();
    }

    private async Task<DataValidationException> FailsValidationAsync(string check, Dictionary<string, string?>? extra = null)
    {
        await using var rig = Rig(extra);
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

    private async Task RerunSucceedsAsync(Dictionary<string, string?>? extra = null)
    {
        await using var rig = Rig(extra);
        var moves = (await rig.Promotions.HistoryAsync(Model, CancellationToken.None)).Count;
        var outcome = await rig.RunAsync(Model, HeldOut);
        Assert.Equal((RunStatus.Succeeded, true), (outcome.Status, outcome.Promoted));
        Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves + 1));
    }
}
