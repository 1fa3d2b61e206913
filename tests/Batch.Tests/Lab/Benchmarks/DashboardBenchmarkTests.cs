using Batch.Lab.Benchmarks;
using Xunit;

namespace Batch.Tests.Lab.Benchmarks;

public class DashboardBenchmarkTests
{
    [Fact]
    public void Percentile_IsTheNearestRank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)(101 - i)).ToList();
        Assert.Equal(50, DashboardBenchmark.Percentile(values, 0.5));
        Assert.Equal(99, DashboardBenchmark.Percentile(values, 0.99));
        Assert.Equal(100, DashboardBenchmark.Percentile(values, 1));
        Assert.Equal(7, DashboardBenchmark.Percentile([7], 0.99));
    }

    [Fact]
    public void TheSummary_IsTheLargestConcurrencysFigures_AndEveryRoundsErrors()
    {
        var result = new DashboardResult(
            [new DashboardRound(50, 1000, 80, 120, 130, 1, 40), new DashboardRound(200, 1000, 300, 370, 400, 2, 148)], 3, []);
        Assert.Equal("dashboard concurrency_max=200 p99_ms=370 errors=3 p99_ratio=2.5 server_errors=3", DashboardBenchmark.Summary(result));
    }

    [Theory]
    [InlineData("fail: Microsoft.AspNetCore.Server.Kestrel[13]", true)]
    [InlineData("      Npgsql.NpgsqlException (0x80004005): The connection pool has been exhausted", true)]
    [InlineData("warn: Hangfire.Server.ServerHeartbeatProcess[0] Server heartbeat failed", true)]
    [InlineData("info: Microsoft.Hosting.Lifetime[0] Now listening on: http://127.0.0.1:5080", false)]
    public void ServerErrors_AreFailuresStarvedPoolsAndHeartbeats(string line, bool error) =>
        Assert.Equal(error, DashboardBenchmark.IsServerError(line));
}
