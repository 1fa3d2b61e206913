using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data.Extraction;

/// <summary>
/// The conversion label at its edges, on rows written by hand beside seeded ones: a conversion within the window
/// W counts once however many there are; one later than W after the impression, or before the extracted window,
/// does not; and every label equals what a per-impression lookup (the plain reading of the rule) gives.
/// </summary>
public sealed class ConversionLabelTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private static readonly DateOnly First = new(2026, 5, 10);
    private static readonly DateOnly Last = new(2026, 5, 11);
    private const int Window = 2;

    public async Task InitializeAsync()
    {
        await new SyntheticSeeder(stack.DataSource).SeedAsync(Last, 3, 500, seed: 5, Zone, Window, CancellationToken.None);
        var (start, _) = DataDays.Bounds(Last, Zone);
        var noon = start.AddHours(12).UtcDateTime;
        // 1: two conversions within W; 2: one just inside W; 3: one just past W; 4: none; 5: on the window's first day,
        // converted the day before the window (data that breaks the arrow of time, read as the rule says: not counted).
        var (firstStart, _) = DataDays.Bounds(First, Zone);
        await stack.ExecuteAsync($"""
            insert into impressions (id, event_time, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked) values
              (900000001, '{noon:O}', 'new', 'books', 'mobile', 12, 1, 10, 1, true),
              (900000002, '{noon:O}', 'new', 'books', 'mobile', 12, 1, 10, 1, true),
              (900000003, '{noon:O}', 'new', 'books', 'mobile', 12, 1, 10, 1, true),
              (900000004, '{noon:O}', 'new', 'books', 'mobile', 12, 1, 10, 1, true),
              (900000005, '{firstStart.AddHours(1).UtcDateTime:O}', 'new', 'books', 'mobile', 1, 1, 10, 1, true);
            insert into conversions (conversion_id, impression_id, event_time, value) values
              (900000101, 900000001, '{noon.AddHours(1):O}', 5),
              (900000102, 900000001, '{noon.AddHours(30):O}', 5),
              (900000103, 900000002, '{noon.AddDays(Window).AddSeconds(-1):O}', 5),
              (900000104, 900000003, '{noon.AddDays(Window).AddSeconds(1):O}', 5),
              (900000105, 900000005, '{firstStart.AddHours(-3).UtcDateTime:O}', 5);
            """);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Labels_AreThoseOfThePerImpressionRule_AtEveryEdge()
    {
        var features = new FeatureOptions { Categorical = ["device", "user_id"], Numeric = ["price"] };
        var frame = await new DayExtractor(stack.DataSource).ExtractAsync(Sources.Canonical(features, Zone, Window), First, Last, CancellationToken.None);

        bool Label(long id) => frame.Converted[Array.IndexOf(frame.Ids, id)];
        Assert.Equal(1, frame.Ids.Count(id => id == 900000001)); // two conversions, one row
        Assert.True(Label(900000001));
        Assert.True(Label(900000002));
        Assert.False(Label(900000003));
        Assert.False(Label(900000004));
        Assert.False(Label(900000005));
        // The hand-written rows have no user: an integer category's null is the missing code.
        Assert.Equal(-1, frame.Categorical[1].Codes[Array.IndexOf(frame.Ids, 900000001L)]);

        // Every row: the rule read literally, one lookup per impression.
        var (start, _) = DataDays.Bounds(First, Zone);
        var (_, end) = DataDays.Bounds(Last, Zone);
        var expected = await stack.ScalarAsync<string>($"""
            select string_agg(i.id::text || ':' || exists (
                       select 1 from conversions c
                       where c.impression_id = i.id and c.event_time >= '{start:O}' and c.event_time < timestamptz '{end:O}' + interval '{Window} days'
                         and c.event_time <= i.event_time + interval '{Window} days')::text, ',' order by i.event_time, i.id)
            from impressions i where i.event_time >= '{start:O}' and i.event_time < '{end:O}'
            """);
        Assert.Equal(expected, string.Join(',', frame.Ids.Select((id, k) => $"{id}:{(frame.Converted[k] ? "true" : "false")}")));
        Assert.True(frame.Converted.Count(c => c) > 2, "the seeded rows have conversions of their own");
    }
}
