using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Lab.Synthetic;
using Batch.Lab.Benchmarks;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Lab.Benchmarks;

/// <summary><c>bench extract</c> on a tiny window: every way of reading it gives the window's rows, and its shard folders are gone after.</summary>
public sealed class ExtractionBenchmarkTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task ColdWarmAndCopy_ReadTheSameRows_AndLeaveNoShards()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var last = new DateOnly(2026, 4, 3);
        await new SyntheticSeeder(stack.DataSource).SeedAsync(last, 3, 300, seed: 2, zone, 2, CancellationToken.None);
        var features = new FeatureOptions { Categorical = ["device", "user_id"], Numeric = ["price"] };
        var before = Directory.GetDirectories(Path.GetTempPath(), "batch-bench-shards-*").Length;

        var speed = await ExtractionBenchmark.RunAsync(new DayExtractor(stack.DataSource), stack.DataSource, Sources.Canonical(features, zone, 2), last.AddDays(-2), last, rounds: 1, connections: 2, CancellationToken.None);

        var expected = await stack.ScalarAsync<long>("select count(*) from impressions");
        Assert.Equal(expected, speed.Rows);
        Assert.True(speed.ExtractSeconds > 0 && speed.ReuseSeconds > 0 && speed.CopySeconds > 0);
        Assert.Equal(speed.CopySeconds / speed.ExtractSeconds, speed.Ratio, 12);
        Assert.Equal(before, Directory.GetDirectories(Path.GetTempPath(), "batch-bench-shards-*").Length);
    }
}
