using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Runs;
using Batch.Tests.Data.Shards;
using Batch.Tests.Support;
using Npgsql;
using Xunit;

namespace Batch.Tests.Data.Extraction;

/// <summary>
/// The canonical tables' rows under another schema and other names — a plain table with an integer click flag and an
/// orders table filtered to its paid rows, a view over the canonical tables with renamed columns, one table per day —
/// read exactly as the canonical tables are, train the same model, and can be read by a role that may only select them.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class SourceMappingTests : IAsyncLifetime
{
    private static readonly DateOnly First = PipelineRig.LastDay.AddDays(-TinyProfiles.TrainingDays);
    private static readonly DateOnly Last = PipelineRig.LastDay;
    private readonly StackFixture _stack = new();
    private readonly string _reader = "batch_reader_" + Guid.NewGuid().ToString("N")[..8];
    private TimeZoneInfo _zone = TimeZoneInfo.Utc;
    private bool _readerMade;

    /// <summary>The mappings under test, by model name, relative to <c>Batch:Models:{name}:Source</c>.</summary>
    public static readonly Dictionary<string, Dictionary<string, string>> Mappings = new()
    {
        ["mapped-table"] = new()
        {
            ["Impressions:Table"] = "logs.ad_views", ["Impressions:Id"] = "view_id", ["Impressions:Time"] = "shown_at", ["Impressions:Clicked"] = "is_click",
            ["Conversions:Table"] = "shop.orders", ["Conversions:ImpressionId"] = "view_ref", ["Conversions:Time"] = "ordered_at", ["Conversions:Where:status"] = "paid",
        },
        ["mapped-view"] = new()
        {
            ["Impressions:Table"] = "logs.v_views", ["Impressions:Id"] = "vid", ["Impressions:Time"] = "at", ["Impressions:Clicked"] = "clk",
            ["Conversions:Table"] = "shop.paid_orders", ["Conversions:ImpressionId"] = "view_ref", ["Conversions:Time"] = "ordered_at",
            ["ChangeDetection"] = "none",
        },
        ["mapped-days"] = new()
        {
            ["Impressions:Table"] = "logs.ad_views_{yyyyMMdd}", ["Impressions:Id"] = "view_id", ["Impressions:Time"] = "shown_at", ["Impressions:Clicked"] = "is_click",
            ["Conversions:Table"] = "shop.orders", ["Conversions:ImpressionId"] = "view_ref", ["Conversions:Time"] = "ordered_at", ["Conversions:Where:status"] = "paid",
        },
    };

    private static readonly string[] Models = ["canonical", .. Mappings.Keys];

    private static string Columns => "user_id, item_id, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity";

    public async Task InitializeAsync()
    {
        await _stack.InitializeAsync();
        await using var rig = Rig();
        await rig.SeedAsync();
        _zone = rig.Options.TimeZone();
        await _stack.ExecuteAsync(
            $"""
            create schema logs;
            create schema shop;
            create table logs.ad_views as select id as view_id, event_time as shown_at, clicked::int::smallint as is_click, {Columns} from impressions;
            create table shop.orders as select conversion_id as order_ref, impression_id as view_ref, event_time as ordered_at, 'paid'::text as status from conversions;
            -- Rows of other kinds that would label impressions that never converted, were they counted.
            insert into shop.orders select id + 900000000000000, id, event_time + interval '1 hour', 'cancelled' from impressions where id % 7 = 0;
            create view logs.v_views as select id as vid, event_time as at, clicked as clk, {Columns} from impressions;
            create view shop.paid_orders as select order_ref, view_ref, ordered_at from shop.orders where status = 'paid';
            """);
        for (var day = Last.AddDays(-5); day <= Last; day = day.AddDays(1))
        {
            var (start, end) = DataDays.Bounds(day, _zone);
            await _stack.ExecuteAsync(
                $"create table logs.ad_views_{day:yyyyMMdd} as select * from logs.ad_views where shown_at >= '{start:O}' and shown_at < '{end:O}'");
        }
    }

    public async Task DisposeAsync()
    {
        if (_readerMade) await _stack.ExecuteAsync($"drop owned by {_reader}; drop role {_reader}");
        await _stack.DisposeAsync();
    }

    private PipelineRig Rig() => new(_stack.Postgres, _stack.Blobs, _stack.ContainerName, Models, extra: Settings());

    private static Dictionary<string, string?> Settings() =>
        Mappings.SelectMany(m => m.Value.Select(kv => ($"Batch:Models:{m.Key}:Source:{kv.Key}", kv.Value)))
            .ToDictionary(kv => kv.Item1, kv => (string?)kv.Item2);

    private async Task<SourceSpec> SpecAsync(string model)
    {
        await using var rig = Rig();
        return SourceSpec.Of(rig.Options.Profile(model), rig.Options);
    }

    [Theory]
    [InlineData("mapped-table")]
    [InlineData("mapped-view")]
    [InlineData("mapped-days")]
    public async Task AMappedSource_IsReadAsTheCanonicalTables_RowForRowWithTheSameLabels(string model)
    {
        var canonical = await new DayExtractor(_stack.DataSource).ExtractAsync(await SpecAsync("canonical"), First, Last, CancellationToken.None);
        var mapped = await new DayExtractor(_stack.DataSource).ExtractAsync(await SpecAsync(model), First, Last, CancellationToken.None);

        Assert.True(canonical.Count > 1000 && canonical.Converted.Any(c => c), $"{canonical.Count} rows");
        FrameAssert.Equal(canonical, mapped);
    }

    [Fact]
    public async Task ARunOnEachMapping_TrainsTheSameModel_AsOnTheCanonicalTables()
    {
        await using var rig = Rig();
        var metrics = new Dictionary<string, string>();
        foreach (var model in Models)
        {
            var outcome = await rig.RunAsync(model, Last);
            Assert.Equal(RunStatus.Succeeded, outcome.Status);
            metrics[model] = string.Join(" ", outcome.Metrics.Select(m => $"{m.Task} {m.Auc:R} {m.LogLoss:R} {m.Count} {m.Positives}"));
        }

        Assert.All(Mappings.Keys, model => Assert.Equal(metrics["canonical"], metrics[model]));
        var detail = await _stack.ScalarAsync<string>("select detail::text from batch.steps s join batch.runs r on r.id = s.run_id where r.model = 'mapped-view' and s.step = 'extract'");
        Assert.Contains("\"changeDetection\": \"none\"", detail, StringComparison.Ordinal);
        Assert.Contains("\"source\": \"logs.v_views and shop.paid_orders\"", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADayWhoseTableIsMissing_ReadsAsADayWithoutRows_AndFailsDayPresent()
    {
        var gone = Last.AddDays(-2);
        await _stack.ExecuteAsync($"alter table logs.ad_views_{gone:yyyyMMdd} rename to held_aside");
        try
        {
            await using var rig = Rig();
            var e = await Assert.ThrowsAsync<DataValidationException>(() => rig.RunAsync("mapped-days", Last));
            var finding = Assert.Single(e.Findings, f => f.Check == "day-present");
            Assert.Contains($"{gone:yyyy-MM-dd}", finding.Offending, StringComparison.Ordinal);
            Assert.Equal(0L, await _stack.ScalarAsync<long>("select count(*) from batch.model_versions v join batch.runs r on r.id = v.run_id where r.model = 'mapped-days' and r.status = 'failed'"));
        }
        finally
        {
            await _stack.ExecuteAsync($"alter table logs.held_aside rename to ad_views_{gone:yyyyMMdd}");
        }
    }

    [Fact]
    public async Task ARoleThatMayOnlySelectTheSource_RunsTheExtraction_ThroughTheShards()
    {
        await _stack.ExecuteAsync(
            $"""
            create role {_reader} login;
            grant usage on schema logs, shop to {_reader};
            grant select on logs.ad_views, shop.orders to {_reader};
            """);
        _readerMade = true;
        var connection = new NpgsqlConnectionStringBuilder(_stack.Postgres) { Username = _reader }.ConnectionString;
        await using var readOnly = NpgsqlDataSource.Create(connection);
        var folder = Path.Combine(Path.GetTempPath(), "batch-reader-shards-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var shards = new Batch.Data.Shards.DayShards(readOnly, folder, TimeSpan.FromDays(1));
            var days = await shards.ShardDaysAsync(await SpecAsync("mapped-table"), First, Last, connections: 2, CancellationToken.None);
            var rows = days.Sum(d => (long)d.Rows);
            foreach (var (shard, _, _) in days) await shard.DisposeAsync();

            var canonical = await new DayExtractor(_stack.DataSource).ExtractAsync(await SpecAsync("canonical"), First, Last, CancellationToken.None);
            Assert.Equal(canonical.Count, rows);
            // And it could write nothing there.
            await using var write = readOnly.CreateCommand("insert into logs.ad_views (view_id, shown_at, is_click) values (1, now(), 0)");
            var refused = await Assert.ThrowsAsync<PostgresException>(() => write.ExecuteNonQueryAsync());
            Assert.Equal("42501", refused.SqlState);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
