using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Shards;
using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data.Shards;

/// <summary>A day's fingerprint starts with the database's name, which may hold the '/' its parts are joined with.</summary>
public sealed class DayShardsDatabaseNameTests : IAsyncLifetime
{
    private readonly StackFixture _stack = new("batch/test_");
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private static readonly DateOnly Day = new(2026, 5, 12);
    private static readonly FeatureOptions Features = new() { Categorical = ["device"], Numeric = ["price"] };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "batch-shard-test-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync()
    {
        await _stack.InitializeAsync();
        await new SyntheticSeeder(_stack.DataSource).SeedAsync(Day, 1, 300, seed: 4, Zone, conversionWindowDays: 2, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        await _stack.DisposeAsync();
    }

    private async Task<ShardUse> ReadAsync()
    {
        var shards = new DayShards(_stack.DataSource, _directory, TimeSpan.FromDays(14));
        var (shard, _, use) = await shards.ShardAsync(Sources.Canonical(Features, Zone, 2), Day, CancellationToken.None);
        await shard.DisposeAsync();
        return use;
    }

    [Fact]
    public async Task ADatabaseNamedWithASlash_ReusesItsShard_AndSeesAChangedDay()
    {
        Assert.Equal("no shard", (await ReadAsync()).Reason);
        await using (var shard = DayShardFile.Open(Directory.GetFiles(_directory, $"{Day:yyyy-MM-dd}.*.shard").Single()))
            Assert.StartsWith(await _stack.ScalarAsync<string>("select current_database()") + ":", DayShardFile.Header(shard).Fingerprint, StringComparison.Ordinal);
        var again = await ReadAsync();
        Assert.True(again.Reused, again.Reason);

        // A conversion of one of the day's impressions: the conversions' part, after the last '/', changes.
        await _stack.ExecuteAsync("insert into conversions (conversion_id, impression_id, event_time, value) select 990000001, max(id), max(event_time) + interval '1 hour', 5 from impressions");
        var changed = await ReadAsync();
        Assert.Equal((false, "source day changed (row-version)"), (changed.Reused, changed.Reason));
        Assert.True((await ReadAsync()).Reused);
    }
}
