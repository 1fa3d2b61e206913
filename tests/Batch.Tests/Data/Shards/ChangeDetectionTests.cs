using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Shards;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data.Shards;

/// <summary>
/// Each change-detection mode reuses a day's shard only while the day's rows are unchanged, and reads the day again
/// after an insert, an update, a delete and a late conversion: <c>row-version</c> on tables, <c>column:ingested_at</c> on
/// views (an update that bumps the change column, as a loader does), <c>none</c> never.
/// </summary>
public sealed class ChangeDetectionTests : IAsyncLifetime
{
    private const int Window = 2;
    private static readonly FeatureOptions Features = new() { Categorical = ["device"], Numeric = ["price"] };
    private readonly StackFixture _stack = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "batch-change-detection-" + Guid.NewGuid().ToString("N")[..8]);
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;

    public async Task InitializeAsync()
    {
        await _stack.InitializeAsync();
        await using var rig = new PipelineRig(_stack.Postgres, _stack.Blobs, _stack.ContainerName, ["m"]);
        await rig.SeedAsync(perDay: 500);
        _zone = rig.Options.TimeZone();
        await _stack.ExecuteAsync(
            """
            create schema logs;
            create schema shop;
            create table logs.ad_views as select id as view_id, event_time as shown_at, clicked::int::smallint as is_click, device, price from impressions;
            create table shop.orders as select conversion_id as order_ref, impression_id as view_ref, event_time as ordered_at from conversions;
            alter table logs.ad_views add column ingested_at timestamptz not null default clock_timestamp();
            alter table shop.orders add column ingested_at timestamptz not null default clock_timestamp();
            create view logs.v_views as select * from logs.ad_views;
            create view shop.v_orders as select * from shop.orders;
            """);
    }

    public async Task DisposeAsync()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        await _stack.DisposeAsync();
    }

    private SourceSpec Spec(string mode, bool views) => new(
        new SourceOptions
        {
            Impressions = { Table = views ? "logs.v_views" : "logs.ad_views", Id = "view_id", Time = "shown_at", Clicked = "is_click" },
            Conversions = { Table = views ? "shop.v_orders" : "shop.orders", ImpressionId = "view_ref", Time = "ordered_at" },
            ChangeDetection = mode,
        },
        Features, _zone, Window);

    private async Task<ShardUse> UseAsync(SourceSpec spec, DateOnly day)
    {
        var (shard, _, use) = await new DayShards(_stack.DataSource, _folder, TimeSpan.FromDays(1)).ShardAsync(spec, day, CancellationToken.None);
        await shard.DisposeAsync();
        return use;
    }

    /// <summary>Reads the day twice around each change: reused before it, read again after it, reused again after that.</summary>
    private async Task<List<(string Change, bool ReusedAfter, string Reason)>> ThroughChangesAsync(SourceSpec spec, DateOnly day, bool bumpsChangeColumn)
    {
        var (start, end) = DataDays.Bounds(day, _zone);
        var id = await _stack.ScalarAsync<long>($"select min(view_id) from logs.ad_views where shown_at >= '{start:O}' and shown_at < '{end:O}'");
        var bump = bumpsChangeColumn ? ", ingested_at = clock_timestamp()" : "";
        var changes = new (string Name, string Sql)[]
        {
            ("insert", $"insert into logs.ad_views values (990000000001, '{start.AddHours(12):O}', 0, 'tv', 3.5, clock_timestamp())"),
            ("update", $"update logs.ad_views set price = price + 1{bump} where view_id = {id}"),
            ("delete", $"delete from logs.ad_views where view_id = 990000000001"),
            ("late conversion", $"insert into shop.orders values (990000000002, {id}, '{end.AddHours(20):O}', clock_timestamp())"),
        };
        Assert.Equal("no shard", (await UseAsync(spec, day)).Reason);
        var seen = new List<(string, bool, string)>();
        foreach (var (name, sql) in changes)
        {
            Assert.True((await UseAsync(spec, day)).Reused, $"before the {name}");
            await _stack.ExecuteAsync(sql);
            var after = await UseAsync(spec, day);
            seen.Add((name, after.Reused, after.Reason));
        }
        Assert.True((await UseAsync(spec, day)).Reused, "after the last change");
        return seen;
    }

    [Fact]
    public async Task RowVersions_OfTables_SeeEveryChange()
    {
        var seen = await ThroughChangesAsync(Spec(SourceOptions.RowVersion, views: false), PipelineRig.LastDay.AddDays(-1), bumpsChangeColumn: false);
        Assert.All(seen, s => Assert.Equal((false, "source day changed (row-version)"), (s.ReusedAfter, s.Reason)));
    }

    [Fact]
    public async Task AChangeColumn_OfViews_SeesEveryChangeThatBumpsIt()
    {
        var seen = await ThroughChangesAsync(Spec("column:ingested_at", views: true), PipelineRig.LastDay.AddDays(-2), bumpsChangeColumn: true);
        Assert.All(seen, s => Assert.Equal((false, "source day changed (column:ingested_at)"), (s.ReusedAfter, s.Reason)));
    }

    [Fact]
    public async Task AChangeColumn_DoesNotSeeAnUpdateThatLeavesItAlone_AsDocumented()
    {
        var seen = await ThroughChangesAsync(Spec("column:ingested_at", views: true), PipelineRig.LastDay.AddDays(-3), bumpsChangeColumn: false);
        Assert.Equal([("insert", false), ("update", true), ("delete", false), ("late conversion", false)], seen.Select(s => (s.Change, s.ReusedAfter)));
    }

    [Fact]
    public async Task None_ReadsTheDayAgainEveryTime()
    {
        var spec = Spec(SourceOptions.NoChangeDetection, views: true);
        var day = PipelineRig.LastDay.AddDays(-4);
        Assert.Equal("no shard", (await UseAsync(spec, day)).Reason);
        var again = await UseAsync(spec, day);
        Assert.Equal((false, "change detection is none: every day is read again"), (again.Reused, again.Reason));
    }
}
