using Batch.Lab.Benchmarks;
using Xunit;

namespace Batch.Tests.Lab.Benchmarks;

/// <summary>What <c>bench nightly</c> reads and derives; its figures are printed, not tested.</summary>
public class NightlyBenchmarkTests
{
    [Fact]
    public void StatusValueBytes_ReadsKilobytesWithTabsAndSpaces()
    {
        string[] status = ["Name:\tbatch", "VmPeak:\t  900 kB", "VmHWM:\t    1676 kB", "VmRSS:\t 1500 kB"];
        Assert.Equal(1676L * 1024, ChildProcess.StatusValueBytes(status, "VmHWM:"));
        Assert.Null(ChildProcess.StatusValueBytes(status, "VmSwap:"));
        Assert.Throws<FormatException>(() => ChildProcess.StatusValueBytes(["VmHWM:\t12 MB"], "VmHWM:"));
    }

    [Fact]
    public void PeakRss_OfThisProcess_IsAtLeastItsCurrentWorkingSet()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var peak = ChildProcess.PeakRss(Environment.ProcessId);
        Assert.NotNull(peak);
        self.Refresh();
        Assert.True(peak >= self.WorkingSet64 / 2, $"peak {peak} against working set {self.WorkingSet64}");
    }

    [Fact]
    public async Task ChildProcess_ReportsExitCodeOutputAndAPeak()
    {
        var run = await ChildProcess.RunAsync("/bin/sh", ["-c", "echo out; echo err >&2; sleep 0.3; exit 3"], new Dictionary<string, string> { ["X"] = "1" }, CancellationToken.None);
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("out", run.Output, StringComparison.Ordinal);
        Assert.Contains("err", run.Output, StringComparison.Ordinal);
        Assert.True(run.PeakRssBytes > 0);
    }

    [Fact]
    public void ExtractionFigures_ParseTheLastExtractLine()
    {
        const string Output = "Extraction of ranker's window …\n  plain binary COPY …\nextract extract_ratio=0.91 rows=210000 extract_rows_s=450000 copy_rows_s=494505\n";
        var figures = ExtractionFigures.Parse(Output);
        Assert.Equal(0.91, figures.Ratio);
        Assert.Equal(450000, figures.ExtractRowsPerSecond);
        Assert.Equal(494505, figures.CopyRowsPerSecond);
        Assert.Throws<FormatException>(() => ExtractionFigures.Parse("nothing here"));
    }

    [Fact]
    public void Result_ComparesTheLargestSizeWithTheSmallest()
    {
        static NightlySize Size(int perDay, long rss, double total, double ratio) =>
            new(perDay, perDay * 8L, [new NightlyStep("extract", 1)], total, 1, 1, rss, "succeeded", new ExtractionFigures(1, 1, ratio));
        var result = new NightlyResult([Size(1_000_000, 1200, 240, 0.9), Size(300_000, 1000, 80, 0.7)]);
        Assert.Equal(0.9, result.ExtractRatio);
        Assert.Equal(1.2, result.RssGrowth, 12);
        Assert.Equal(240, result.TotalSecondsLargest);
    }
}
