using Batch.Host.Cli;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Runs;
using Xunit;

namespace Batch.Tests.Host;

public class ConsoleProgressTests
{
    private static readonly RunProgress Training = new("train", 13_500, 27_000, "samples", TimeSpan.FromSeconds(3), Epoch: 2, Epochs: 3, Batch: 5, Batches: 9);

    [Fact]
    public void Describe_GivesTheStepEpochShareCountsRateAndTimeLeft()
    {
        Assert.Equal("train, epoch 2/3, 50 %, 13,500/27,000 samples, 4,500 samples/s, ETA 0:03", ConsoleProgress.Describe(Training, bar: false));
        Assert.Equal("extract, 40,000 rows, 20,000 rows/s", ConsoleProgress.Describe(new RunProgress("extract", 40_000, 0, "rows", TimeSpan.FromSeconds(2)), bar: false));
        Assert.StartsWith("train, epoch 2/3, [###############...............] 50 %", ConsoleProgress.Describe(Training, bar: true), StringComparison.Ordinal);
    }

    [Fact]
    public void OnATerminal_TheBarIsRedrawnInPlace_ElsewhereEachReportIsALine()
    {
        var run = new RunRecord { Id = 1 };
        var terminal = new StringWriter();
        var bar = new ConsoleProgress(terminal, interactive: true, TimeSpan.Zero);
        bar.Progress(run, Training);
        bar.Progress(run, Training with { Done = 27_000 });
        bar.WorkDone(run, "train");
        Assert.Equal(2, terminal.ToString().Count(c => c == '\r'));
        Assert.EndsWith(Environment.NewLine, terminal.ToString(), StringComparison.Ordinal);

        var log = new StringWriter();
        var lines = new ConsoleProgress(log, interactive: false, TimeSpan.Zero);
        lines.Progress(run, Training);
        lines.Progress(run, Training with { Done = 27_000 });
        Assert.Equal(
            ["progress: train, epoch 2/3, 50 %, 13,500/27,000 samples, 4,500 samples/s, ETA 0:03", "progress: train, epoch 2/3, 100 %, 27,000/27,000 samples, 9,000 samples/s, ETA 0:00"],
            log.ToString().TrimEnd().Split(Environment.NewLine));
    }
}
