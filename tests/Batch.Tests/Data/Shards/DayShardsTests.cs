using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Shards;
using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data.Shards;

/// <summary>
/// The shard cache against a real database: a window read day by day through shards is the window one query reads
/// (late conversions at its edge and duplicate conversions included), a second read comes from the shards, and any
/// change to a day's impressions or to the conversions that label them sends that day, and only it, to the database again.
/// </summary>
public sealed class DayShardsTests : IAsyncLifetime
{
    // Each test changes the source rows, so each has a database of its own.
    private readonly StackFixture _stack = new();

    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private static readonly DateOnly First = new(2026, 5, 10);
    private static readonly DateOnly Last = new(2026, 5, 12);
    private const int Window = 2;
    private static readonly FeatureOptions Features = new() { Categorical = ["device", "user_id", "item_category"], Numeric = ["price", "user_activity"] };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "batch-shard-test-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync()
    {
        await _stack.InitializeAsync();
        await new SyntheticSeeder(_stack.DataSource).SeedAsync(Last, 3, 400, seed: 9, Zone, Window, CancellationToken.None);
        var (start, end) = DataDays.Bounds(Last, Zone);
        var late = end.AddHours(-1).UtcDateTime; // the last hour of the window's last day
        // 1: converted twice within W; 2: converted just inside W, after the window's end; 3: just past W; 4: never.
        await _stack.ExecuteAsync($"""
            insert into impressions (id, event_time, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked) values
              (910000001, '{start.AddHours(12).UtcDateTime:O}', 'new', 'books', 'mobile', 12, 1, 10, 1, true),
              (910000002, '{late:O}', 'new', 'books', 'mobile', 23, 1, 10, 1, true),
              (910000003, '{late:O}', 'new', 'books', 'mobile', 23, 1, 10, 1, true),
              (910000004, '{late:O}', 'new', 'books', 'mobile', 23, 1, 10, 1, true);
            insert into conversions (conversion_id, impression_id, event_time, value) values
              (910000101, 910000001, '{start.AddHours(13).UtcDateTime:O}', 5),
              (910000102, 910000001, '{start.AddHours(14).UtcDateTime:O}', 5),
              (910000103, 910000002, '{late.AddDays(Window).AddSeconds(-1):O}', 5),
              (910000104, 910000003, '{late.AddDays(Window).AddSeconds(1):O}', 5);
            """);
    }

    public async Task DisposeAsync()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        await _stack.DisposeAsync();
    }

    private DayShards Shards(TimeSpan? retention = null) =>
        new(_stack.DataSource, _directory, retention ?? TimeSpan.FromDays(14));

    /// <summary>A day through the cache, read whole.</summary>
    private static async Task<(DayFrame Frame, ShardUse Use)> DayAsync(
        DayShards shards, FeatureOptions features, DateOnly day, TimeZoneInfo zone, int window, CancellationToken ct, Action<long>? onRows = null)
    {
        var (shard, _, use) = await shards.ShardAsync(Sources.Canonical(features, zone, window), day, ct, onRows);
        await using (shard) return (DayShardFile.Read(shard), use);
    }

    private static async Task<(DayFrame Window, List<ShardUse> Uses)> ReadAsync(DayShards shards, FeatureOptions? features = null)
    {
        var window = new WindowBuilder(First, Last, (features ?? Features).Categorical, (features ?? Features).Numeric);
        var uses = new List<ShardUse>();
        for (var day = First; day <= Last; day = day.AddDays(1))
        {
            var (frame, use) = await DayAsync(shards, features ?? Features, day, Zone, Window, CancellationToken.None);
            window.Add(frame);
            uses.Add(use);
        }
        return (window.Build(), uses);
    }

    private Task<DayFrame> ExtractAsync() => new DayExtractor(_stack.DataSource).ExtractAsync(Sources.Canonical(Features, Zone, Window), First, Last, CancellationToken.None);

    [Fact]
    public async Task Window_ReadThroughShards_IsTheWindowOneQueryReads_AndComesFromDiskTheSecondTime()
    {
        var direct = await ExtractAsync();
        var (first, uses) = await ReadAsync(Shards());
        Assert.All(uses, u => Assert.False(u.Reused));
        Assert.All(uses, u => Assert.Equal("no shard", u.Reason));
        FrameAssert.Equal(direct, first);
        Assert.Equal(3, Directory.GetFiles(_directory, "*.shard").Length);

        // The labels at the edges, as the rule says.
        bool Label(long id) => first.Converted[Array.IndexOf(first.Ids, id)];
        Assert.Equal(1, first.Ids.Count(id => id == 910000001));
        Assert.True(Label(910000001));
        Assert.True(Label(910000002));
        Assert.False(Label(910000003));
        Assert.False(Label(910000004));

        var (second, again) = await ReadAsync(Shards());
        Assert.All(again, u => Assert.True(u.Reused, u.Reason));
        FrameAssert.Equal(direct, second);
    }

    [Fact]
    public async Task DaysReadSeveralAtOnce_AreTheDaysReadOneByOne_InDayOrder_WithTheirProgressAddedUp()
    {
        var (direct, _) = await ReadAsync(Shards());
        var reported = new List<long>();
        var days = await new DayShards(_stack.DataSource, _directory + "-parallel", TimeSpan.FromDays(1))
            .ShardDaysAsync(Sources.Canonical(Features, Zone, Window), First, Last, connections: 3, CancellationToken.None, reported.Add);
        try
        {
            var window = new WindowBuilder(First, Last, Features.Categorical, Features.Numeric);
            foreach (var (shard, _, use) in days)
            {
                Assert.Equal("no shard", use.Reason);
                window.Add(DayShardFile.Read(shard));
            }
            Assert.Equal([First, First.AddDays(1), Last], days.Select(d => d.Use.Day));
            FrameAssert.Equal(direct, window.Build());
            Assert.Equal(direct.Count, reported[^1]);
        }
        finally
        {
            foreach (var (shard, _, _) in days) await shard.DisposeAsync();
            Directory.Delete(_directory + "-parallel", recursive: true);
        }
    }

    [Fact]
    public async Task ChangedSourceDay_IsReadAgain_AndOnlyThatDay()
    {
        var shards = Shards();
        await ReadAsync(shards);
        // A new conversion of the last day's impression 910000004.
        await _stack.ExecuteAsync("insert into conversions (conversion_id, impression_id, event_time, value) select 910000105, 910000004, event_time + interval '1 hour', 5 from impressions where id = 910000004");
        var (window, uses) = await ReadAsync(shards);
        // The day before is read again too: a conversion in its conversion window could have labelled one of its
        // impressions (the fingerprint covers the range of conversions, not their impressions).
        Assert.Equal([true, false, false], uses.Select(u => u.Reused));
        Assert.Equal("source day changed (row-version)", uses[2].Reason);
        Assert.True(window.Converted[Array.IndexOf(window.Ids, 910000004L)]);
        FrameAssert.Equal(await ExtractAsync(), window);

        // An update of one impression's feature on the first day (same count, same ids).
        var id = await _stack.ScalarAsync<long>($"select min(id) from impressions where event_time >= '{DataDays.Bounds(First, Zone).Start:O}' and event_time < '{DataDays.Bounds(First, Zone).End:O}'");
        await _stack.ExecuteAsync($"update impressions set price = price + 1 where id = {id}");
        (window, uses) = await ReadAsync(shards);
        Assert.Equal([false, true, true], uses.Select(u => u.Reused));
        FrameAssert.Equal(await ExtractAsync(), window);

        // That conversion deleted again.
        await _stack.ExecuteAsync("delete from conversions where conversion_id = 910000105");
        (window, uses) = await ReadAsync(shards);
        Assert.Equal([true, false, false], uses.Select(u => u.Reused));
        Assert.False(window.Converted[Array.IndexOf(window.Ids, 910000004L)]);
    }

    [Fact]
    public async Task ARowWrittenWhileADayIsRead_IsNotInItsShard_AndSendsTheDayToTheDatabaseNextTime()
    {
        var shards = Shards();
        var (start, _) = DataDays.Bounds(First, Zone);
        var inserted = false;
        // Inserted (and committed) by another connection while the day's COPY is under way.
        void Insert(long rows)
        {
            if (inserted) return;
            inserted = true;
            _stack.ExecuteAsync($"insert into impressions (id, event_time, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked) values (910000009, '{start.AddHours(2).UtcDateTime:O}', 'new', 'books', 'mobile', 2, 1, 10, 1, false)").GetAwaiter().GetResult();
        }
        var (frame, use) = await DayAsync(shards, Features, First, Zone, Window, CancellationToken.None, Insert);
        Assert.True(inserted);
        Assert.False(use.Reused);
        Assert.DoesNotContain(910000009L, frame.Ids);

        // The shard's fingerprint is that of the rows it holds, so the new row sends the day to the database again.
        var (again, second) = await DayAsync(shards, Features, First, Zone, Window, CancellationToken.None);
        Assert.Equal((false, "source day changed (row-version)"), (second.Reused, second.Reason));
        Assert.Contains(910000009L, again.Ids);
        Assert.Equal(frame.Count + 1, again.Count);
    }

    [Fact]
    public async Task ANewDaysFingerprint_AddedUpFromItsRows_IsTheOneTheDatabaseGives_PastTheRangeOfInt64()
    {
        // Two ids whose sum does not fit in 64 bits, on the first day.
        var (start, end) = DataDays.Bounds(First, Zone);
        await _stack.ExecuteAsync($"""
            insert into impressions (id, event_time, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked) values
              (5000000000000000001, '{start.AddHours(3).UtcDateTime:O}', 'new', 'books', 'mobile', 3, 1, 10, 1, false),
              (5000000000000000002, '{start.AddHours(4).UtcDateTime:O}', 'new', 'books', 'mobile', 4, 1, 10, 1, false)
            """);
        var shards = Shards();
        var (frame, use) = await DayAsync(shards, Features, First, Zone, Window, CancellationToken.None);
        Assert.Equal("no shard", use.Reason);
        Assert.Contains(5000000000000000002L, frame.Ids);

        await using (var shard = DayShardFile.Open(Directory.GetFiles(_directory, $"{First:yyyy-MM-dd}.*.shard").Single()))
        {
            var stored = DayShardFile.Header(shard).Fingerprint.Split('/')[1];
            var database = await _stack.ScalarAsync<string>(
                $"select count(*) || ':' || sum(id) || ':' || sum(xmin::text::bigint) from impressions where event_time >= '{start:O}' and event_time < '{end:O}'");
            Assert.Equal(database, stored);
        }
        var (_, again) = await DayAsync(shards, Features, First, Zone, Window, CancellationToken.None);
        Assert.True(again.Reused, again.Reason);
    }

    [Fact]
    public async Task UnreadableShard_IsExtractedAgain_AndReplaced()
    {
        var shards = Shards();
        await ReadAsync(shards);
        var path = Directory.GetFiles(_directory, $"{Last:yyyy-MM-dd}.*.shard").Single();
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);

        var (window, uses) = await ReadAsync(shards);
        Assert.Equal([true, true, false], uses.Select(u => u.Reused));
        Assert.StartsWith("unreadable shard", uses[2].Reason, StringComparison.Ordinal);
        FrameAssert.Equal(await ExtractAsync(), window);
        Assert.Equal(bytes.Length, new FileInfo(path).Length);
    }

    [Fact]
    public async Task OtherFeatures_HaveShardsOfTheirOwn()
    {
        var shards = Shards();
        await ReadAsync(shards);
        var fewer = new FeatureOptions { Categorical = ["device"], Numeric = ["price"] };
        var (window, uses) = await ReadAsync(shards, fewer);
        Assert.All(uses, u => Assert.Equal("no shard", u.Reason));
        Assert.Equal(["device"], window.Categorical.Select(c => c.Name));
        Assert.Equal(6, Directory.GetFiles(_directory, "*.shard").Length);
    }

    [Fact]
    public async Task Sweep_DeletesShardsUnusedForLongerThanTheRetention()
    {
        var shards = Shards(TimeSpan.FromDays(1));
        await ReadAsync(shards);
        var files = Directory.GetFiles(_directory, "*.shard").Order(StringComparer.Ordinal).ToArray();
        File.SetLastWriteTimeUtc(files[0], DateTime.UtcNow.AddDays(-2));
        Assert.Equal(1, shards.Sweep());
        Assert.Equal(files[1..], Directory.GetFiles(_directory, "*.shard").Order(StringComparer.Ordinal));

        // A reused shard counts as used: its clock restarts.
        File.SetLastWriteTimeUtc(files[1], DateTime.UtcNow.AddDays(-2));
        await ReadAsync(shards);
        Assert.Equal(0, shards.Sweep());
    }

    [Fact]
    public void Sweep_DeletesWhatDeadWritersLeft_OnceStale()
    {
        // What a process killed while writing leaves: a temporary shard, a spool folder, an attempt's encoded window.
        Directory.CreateDirectory(_directory);
        var temporary = Path.Combine(_directory, ".2026-05-10.abc.shard.123.tmp");
        File.WriteAllText(temporary, "half a shard");
        var spool = Directory.CreateDirectory(Path.Combine(_directory, ".spool.2026-05-10.123.abc.tmp"));
        File.WriteAllText(Path.Combine(spool.FullName, "0.col"), "ids");
        var run = Directory.CreateDirectory(Path.Combine(_directory, DayShards.RunsFolder, "ranker.2026-05-12.run7.abc"));
        var shards = Shards(TimeSpan.FromDays(1));

        Assert.Equal(0, shards.Sweep()); // fresh: a writer may still be at work
        File.SetLastWriteTimeUtc(temporary, DateTime.UtcNow.AddDays(-2));
        Directory.SetLastWriteTimeUtc(spool.FullName, DateTime.UtcNow.AddDays(-2));
        Directory.SetLastWriteTimeUtc(run.FullName, DateTime.UtcNow.AddDays(-2));
        Assert.Equal(3, shards.Sweep());
        Assert.False(File.Exists(temporary));
        Assert.False(spool.Exists && Directory.Exists(spool.FullName));
        Assert.False(Directory.Exists(run.FullName));
    }
}
