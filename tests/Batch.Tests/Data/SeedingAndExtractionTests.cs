using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data;

public sealed class SeedingAndExtractionTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private static readonly DateOnly LastDay = new(2026, 3, 30); // the window spans the switch to summer time
    private const int PerDay = 4000;
    private const int Window = 2;
    private static readonly SeedSummary GoldenSummary = new(new DateOnly(2026, 3, 28), LastDay, 12000, 512, 76);
    private SeedSummary _summary = null!;

    public async Task InitializeAsync() =>
        _summary = await new SyntheticSeeder(stack.DataSource).SeedAsync(LastDay, 3, PerDay, seed: 11, Zone, Window, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Seed_WritesTheRequestedImpressionsIntoEachBusinessDay()
    {
        Assert.Equal(3 * PerDay, _summary.Impressions);
        for (var day = LastDay.AddDays(-2); day <= LastDay; day = day.AddDays(1))
        {
            var (start, end) = DataDays.Bounds(day, Zone);
            var count = await stack.ScalarAsync<long>($"select count(*) from impressions where event_time >= '{start:O}' and event_time < '{end:O}'");
            Assert.Equal(PerDay, count);
        }
    }

    [Fact]
    public async Task Seed_HasRealisticRatesAndConsistentLabels()
    {
        var clickRate = (double)_summary.Clicks / _summary.Impressions;
        var conversionRate = (double)_summary.Conversions / _summary.Clicks;
        Assert.InRange(clickRate, 0.02, 0.08);
        Assert.InRange(conversionRate, 0.03, 0.2);
        Assert.Equal(_summary.Conversions, await stack.ScalarAsync<long>("select count(*) from conversions"));
        // Every conversion follows a click of its impression, within the attribution window.
        Assert.Equal(0L, await stack.ScalarAsync<long>(
            $"""
            select count(*) from conversions c join impressions i on i.id = c.impression_id
            where not i.clicked or c.event_time <= i.event_time or c.event_time > i.event_time + interval '{Window} days'
            """));
        Assert.Equal(_summary.Impressions, await stack.ScalarAsync<long>("select count(*) from synthetic_truth t join impressions i on i.id = t.impression_id"));
        Assert.Equal(0L, await stack.ScalarAsync<long>("select count(*) from synthetic_truth where p_click not between 0 and 1 or p_convert not between 0 and 1"));
        Assert.Equal(0L, await stack.ScalarAsync<long>(
            "select count(*) from synthetic_truth where p_click_without_latent is null or p_click_without_latent not between 0 and 1 or p_convert_without_latent is null or p_convert_without_latent not between 0 and 1"));
        // The hour feature is the local hour of the event.
        Assert.Equal(0L, await stack.ScalarAsync<long>("select count(*) from impressions where hour_of_day <> extract(hour from event_time at time zone 'Europe/Amsterdam')"));
    }

    [Fact]
    public async Task Seed_IsDeterministic_AndReplacesTheDaysItWrites()
    {
        const string Fingerprint = "select md5(string_agg(id || ':' || user_id || ':' || item_id || ':' || clicked || ':' || price, ',' order by id)) from impressions";
        var before = await stack.ScalarAsync<string>(Fingerprint);
        var again = await new SyntheticSeeder(stack.DataSource).SeedAsync(LastDay, 3, PerDay, seed: 11, Zone, Window, CancellationToken.None);
        Assert.Equal(before, await stack.ScalarAsync<string>(Fingerprint));
        Assert.Equal(_summary, again);
        // The same rows in every process, not only in this one: these are the counts every run has produced.
        Assert.Equal(GoldenSummary, _summary);
    }

    [Fact]
    public async Task Extract_ReturnsExactlyTheRowsOfTheWindow_WithTheirLabels()
    {
        var features = new FeatureOptions { Categorical = ["device", "slot_position", "user_id"], Numeric = ["price"] };
        var frame = await new DayExtractor(stack.DataSource).ExtractAsync(Sources.Canonical(features, Zone, Window), LastDay.AddDays(-1), LastDay, CancellationToken.None);

        var (start, _) = DataDays.Bounds(LastDay.AddDays(-1), Zone);
        var (_, end) = DataDays.Bounds(LastDay, Zone);
        var where = $"event_time >= '{start:O}' and event_time < '{end:O}'";
        Assert.Equal(await stack.ScalarAsync<long>($"select count(*) from impressions where {where}"), frame.Count);
        // The benchmark's reference reads the same COPY, row for row.
        Assert.Equal(frame.Count, await new DayExtractor(stack.DataSource).CopyAndDiscardAsync(Sources.Canonical(features, Zone, Window), LastDay.AddDays(-1), LastDay, CancellationToken.None));
        Assert.Equal(await stack.ScalarAsync<long>($"select sum(id) from impressions where {where}"), frame.Ids.Sum());
        Assert.Equal(await stack.ScalarAsync<long>($"select count(*) from impressions where {where} and clicked"), frame.Clicked.LongCount(c => c));
        Assert.Equal(await stack.ScalarAsync<long>($"select count(*) from impressions i where {where} and exists (select 1 from conversions c where c.impression_id = i.id)"),
            frame.Converted.LongCount(c => c));
        Assert.Equal(await stack.ScalarAsync<double>($"select sum(price) from impressions where {where}"), frame.Numeric[0].Values.Sum(), 6);

        var device = frame.Categorical[0];
        var row = Array.IndexOf(frame.Ids, frame.Ids[frame.Count / 2]);
        Assert.Equal(await stack.ScalarAsync<string>($"select device from impressions where id = {frame.Ids[row]}"), device.Vocabulary[device.Codes[row]]);
        var slots = frame.Categorical[1];
        Assert.Equal(await stack.ScalarAsync<string>($"select slot_position::text from impressions where id = {frame.Ids[row]}"), slots.Vocabulary[slots.Codes[row]]);
        // Integer categories are read as integers and written as PostgreSQL writes them as text.
        var users = frame.Categorical[2];
        Assert.Equal(await stack.ScalarAsync<long>($"select count(distinct user_id) from impressions where {where}"), users.Vocabulary.Count);
        for (var k = 0; k < frame.Count; k += frame.Count / 7)
            Assert.Equal(await stack.ScalarAsync<string>($"select user_id::text from impressions where id = {frame.Ids[k]}"), users.Vocabulary[users.Codes[k]]);
    }

    [Fact]
    public async Task Extract_FailsWithTheColumnName_WhenAFeatureDoesNotExist()
    {
        var features = new FeatureOptions { Categorical = ["colour"], Numeric = [] };
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new DayExtractor(stack.DataSource).ExtractAsync(Sources.Canonical(features, Zone, Window), LastDay, LastDay, CancellationToken.None));
        Assert.Contains("colour", e.Message, StringComparison.Ordinal);
    }
}
