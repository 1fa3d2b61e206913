using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Shards;
using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data.Extraction;

/// <summary>
/// The labels of declared tasks, read from the source: an impressions column (binary and numeric), an event relation of
/// Source:Events (an event within the conversion window) and the sum of an event relation's values within it — on
/// hand-written rows at the window's edges and on every seeded row against the per-impression rule read literally; the
/// same labels through a day shard; and the mapping's problems named.
/// </summary>
public sealed class TaskLabelTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private static readonly DateOnly First = new(2026, 5, 10);
    private static readonly DateOnly Last = new(2026, 5, 11);
    private const int Window = 2;
    private static readonly FeatureOptions Features = new() { Categorical = ["device"], Numeric = ["price"] };

    private static readonly List<TaskOptions> Tasks =
    [
        new() { Name = "ctr", Label = new TaskLabel { Column = "clicked" } },
        new() { Name = "cart", Label = new TaskLabel { Event = "carts" }, Given = "ctr" },
        new() { Name = "purchase", Label = new TaskLabel { Event = "conversions" }, Given = "cart" },
        new() { Name = "spend", Label = new TaskLabel { Event = "conversions", Value = "value" }, Kind = TaskOptions.Regression, Role = TaskOptions.Auxiliary },
        new() { Name = "even", Label = new TaskLabel { Column = "even_hour" }, Role = TaskOptions.Auxiliary },
        new() { Name = "pricey", Label = new TaskLabel { Column = "price" }, Kind = TaskOptions.Regression, Role = TaskOptions.Auxiliary },
    ];

    private static SourceOptions Source(string impressions = "shop_impressions") => new()
    {
        Impressions = new ImpressionSourceOptions { Table = impressions },
        Events = new(StringComparer.Ordinal) { ["carts"] = new ConversionSourceOptions { Table = "carts" } },
        ChangeDetection = SourceOptions.NoChangeDetection,
    };

    private static SourceSpec Spec(SourceOptions? source = null) =>
        new(source ?? Source(), Features, Zone, Window, LabelKeys.Extra(Tasks, "clicked"));

    /// <summary>Runs before each test on the class's database: every statement leaves the rows as they are when run again.</summary>
    public async Task InitializeAsync()
    {
        await new SyntheticSeeder(stack.DataSource).SeedAsync(Last, 3, 300, seed: 8, Zone, Window, CancellationToken.None);
        var (start, _) = DataDays.Bounds(Last, Zone);
        var noon = start.AddHours(12).UtcDateTime;
        // 1: a cart within W, two conversions (values 5 and 7) within W; 2: a cart just past W, one conversion within
        // (3) and one just past W (11); 3: nothing.
        await stack.ExecuteAsync($"""
            insert into impressions (id, event_time, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked) values
              (900000001, '{noon:O}', 'new', 'books', 'mobile', 12, 1, 10, 1, true),
              (900000002, '{noon:O}', 'new', 'books', 'mobile', 13, 1, 20, 1, true),
              (900000003, '{noon:O}', 'new', 'books', 'mobile', 12, 1, 30, 1, false)
              on conflict do nothing;
            insert into carts (cart_id, impression_id, event_time) values
              (1, 900000001, '{noon.AddHours(1):O}'),
              (2, 900000002, '{noon.AddDays(Window).AddSeconds(1):O}')
              on conflict do nothing;
            insert into carts (cart_id, impression_id, event_time)
              select row_number() over (order by i.id) + 10, i.id, i.event_time + interval '1 hour' from impressions i where i.clicked and i.id % 2 = 0 and i.id not in (900000001, 900000002, 900000003)
              on conflict do nothing;
            insert into conversions (conversion_id, impression_id, event_time, value) values
              (900000101, 900000001, '{noon.AddHours(2):O}', 5),
              (900000102, 900000001, '{noon.AddHours(40):O}', 7),
              (900000103, 900000002, '{noon.AddHours(3):O}', 3),
              (900000104, 900000002, '{noon.AddDays(Window).AddSeconds(1):O}', 11)
              on conflict do nothing;
            create or replace view shop_impressions as select i.*, (i.hour_of_day % 2 = 0) as even_hour from impressions i;
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static float Label(DayFrame frame, string key, long id) => (float)frame.Label(key)(Array.IndexOf(frame.Ids, id));

    [Fact]
    public async Task EachTasksLabel_IsReadFromItsColumnOrEventRelation_AtTheWindowsEdges()
    {
        var frame = await new DayExtractor(stack.DataSource).ExtractAsync(Spec(), First, Last, CancellationToken.None);

        Assert.Equal(["event:carts", "value:conversions.value", "column:even_hour", "column:price"], frame.Labels.Select(l => l.Key));
        Assert.Equal((1f, 0f, 0f), (Label(frame, "event:carts", 900000001), Label(frame, "event:carts", 900000002), Label(frame, "event:carts", 900000003)));
        Assert.Equal((12f, 3f, 0f), (Label(frame, "value:conversions.value", 900000001), Label(frame, "value:conversions.value", 900000002), Label(frame, "value:conversions.value", 900000003)));
        Assert.Equal((1f, 0f), (Label(frame, "column:even_hour", 900000001), Label(frame, "column:even_hour", 900000002)));
        Assert.Equal((10f, 20f, 30f), (Label(frame, "column:price", 900000001), Label(frame, "column:price", 900000002), Label(frame, "column:price", 900000003)));
        // The conversions' own label, beside them, as before.
        Assert.Equal((1f, 1f), (Label(frame, LabelKeys.Converted, 900000001), Label(frame, LabelKeys.Converted, 900000002)));
    }

    [Fact]
    public async Task EveryRowsEventLabels_AreThoseOfThePerImpressionRule()
    {
        var frame = await new DayExtractor(stack.DataSource).ExtractAsync(Spec(), First, Last, CancellationToken.None);

        var (start, _) = DataDays.Bounds(First, Zone);
        var (_, end) = DataDays.Bounds(Last, Zone);
        string Within(string alias) =>
            $"{alias}.impression_id = i.id and {alias}.event_time >= '{start:O}' and {alias}.event_time < timestamptz '{end:O}' + interval '{Window} days' and {alias}.event_time <= i.event_time + interval '{Window} days'";
        var expected = await stack.ScalarAsync<string>($"""
            select string_agg(i.id::text || ':' || exists (select 1 from carts c where {Within("c")})::int
                   || ':' || coalesce((select sum(c.value) from conversions c where {Within("c")}), 0)::float4, ',' order by i.event_time, i.id)
            from impressions i where i.event_time >= '{start:O}' and i.event_time < '{end:O}'
            """);
        var (carts, values) = (frame.Label("event:carts"), frame.Label("value:conversions.value"));
        Assert.Equal(expected, string.Join(',', frame.Ids.Select((id, k) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{id}:{carts(k)}:{(float)values(k)}"))));
        Assert.True(Enumerable.Range(0, frame.Count).Count(k => carts(k) > 0) > 2, "the seeded rows have carts of their own");
    }

    [Fact]
    public async Task ADaysShard_HoldsTheSameLabels_AndAShardWithoutThemIsAnotherShard()
    {
        var directory = Path.Combine(Path.GetTempPath(), "batch-task-labels-" + Guid.NewGuid().ToString("N"));
        try
        {
            var shards = new DayShards(stack.DataSource, directory, TimeSpan.FromDays(1));
            var extracted = await new DayExtractor(stack.DataSource).ExtractAsync(Spec(), Last, Last, CancellationToken.None);
            var (shard, _, _) = await shards.ShardAsync(Spec(), Last, CancellationToken.None);
            DayFrame read;
            using (shard) read = DayShardFile.Read(shard);
            var (plain, _, use) = await shards.ShardAsync(Spec() with { ExtraLabels = [] }, Last, CancellationToken.None);
            using (plain) Assert.Empty(DayShardFile.Read(plain).Labels);

            Assert.Equal(extracted.Labels.Select(l => l.Key), read.Labels.Select(l => l.Key));
            for (var l = 0; l < read.Labels.Count; l++) Assert.Equal(extracted.Labels[l].Values, read.Labels[l].Values);
            Assert.Equal("no shard", use.Reason);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task TheMappingsProblems_NameTheEventRelationAndTheLabelColumns()
    {
        var source = Source("impressions");
        source.Events["returns"] = new ConversionSourceOptions { Table = "returns" };
        await using var connection = await stack.DataSource.OpenConnectionAsync();

        var problems = await SourceSql.ProblemsAsync(connection, Spec(source), CancellationToken.None);

        Assert.Contains(problems, p => p.Contains("has no column 'even_hour'", StringComparison.Ordinal));
        Assert.Contains("relation 'returns' (Source:Events:returns:Table) does not exist, or is not visible to this role", problems);
        var byValue = await SourceSql.ProblemsAsync(connection, Spec() with { ExtraLabels = LabelKeys.Extra([.. Tasks, new() { Name = "bad", Label = new TaskLabel { Event = "carts", Value = "event_time" }, Kind = TaskOptions.Regression }], "clicked") }, CancellationToken.None);
        Assert.Contains(byValue, p => p.EndsWith("carts.event_time is timestamptz, not number", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ANullInALabelColumn_FailsTheRead_NamingTheColumn()
    {
        await stack.ExecuteAsync("""
            create or replace view shop_impressions_nulls as select i.*, case when i.id = 900000003 then null else (i.hour_of_day % 2 = 0) end as even_hour from impressions i
            """);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() =>
            new DayExtractor(stack.DataSource).ExtractAsync(Spec(Source("shop_impressions_nulls")), First, Last, CancellationToken.None));

        Assert.Contains("Impression 900000003 has no value in shop_impressions_nulls.even_hour, a task's label", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEventOfNoImpression_IsAFindingOfItsRelation()
    {
        var (start, _) = DataDays.Bounds(Last, Zone);
        await stack.ExecuteAsync($"insert into carts (cart_id, impression_id, event_time) values (77, 123456789, '{start.AddHours(5).UtcDateTime:O}') on conflict do nothing");

        var findings = await new Batch.Data.Validation.ConversionChecks(stack.DataSource).FindAsync(Spec(), First, Last, CancellationToken.None);

        var orphan = Assert.Single(findings, f => f.Check == "event-orphan");
        Assert.Equal("1 carts events whose impression does not exist", orphan.Observed);
        Assert.StartsWith("carts events in carts of 2026-05-10..2026-05-11", orphan.Subject, StringComparison.Ordinal);
        Assert.Contains("of impression 123456789", orphan.Offending, StringComparison.Ordinal);
    }
}
