using System.Text;
using Batch.Core.Results;
using Batch.Evaluation;
using Batch.Evaluation.Reports;
using Xunit;

namespace Batch.Tests.Evaluation.Reports;

public class RunReportWriterTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void Write_GivesAnHtmlPage_AndEveryPlotItShows_AsPng()
    {
        var random = new Random(2);
        var labels = Enumerable.Range(0, 500).Select(_ => random.NextDouble() < 0.2).ToArray();
        float[] Model(double separation) => labels.Select(l => (float)(1 / (1 + Math.Exp(1.5 - separation * (l ? 1 : 0) - random.NextDouble())))).ToArray();
        TaskScores[] candidate = [new("ctr", Model(1.2), labels), new("ctcvr", Model(1.0), labels)];
        TaskScores[] production = [new("ctr", Model(1.0), labels), new("ctcvr", Model(1.0), labels)];
        var gate = GatePolicy.Decide(new Batch.Core.Options.GateOptions(), candidate, production);
        var input = new ReportInput(
            "ranker", "20261125-r7", new DateOnly(2026, 11, 25), "20261124-r6",
            [new TaskMetrics("ctr", 0.71, 0.2, 500, labels.Count(l => l))], [new TaskMetrics("ctr", 0.70, 0.21, 500, labels.Count(l => l))],
            gate,
            [new EpochSummary(1, Losses(0.30, 0.05), [1, 1], 0.3, 0.2), new EpochSummary(2, Losses(0.25, 0.04), [1, 1], 0.25, 0.1)],
            new ModelDiagnostics(new Dictionary<string, IReadOnlyList<double>> { ["level0.task0"] = [0.2, 0.8], ["level0.shared"] = [0.3, 0.3, 0.4] }, null),
            candidate, production);

        var files = RunReportWriter.Write(input);

        Assert.Equal(
            ["index.html", "loss.png", "balancing.png", "gates.png", "roc-ctr.png", "calibration-ctr.png", "roc-ctcvr.png", "calibration-ctcvr.png"],
            files.Select(f => f.Name));
        Assert.All(files.Skip(1), f => Assert.Equal(PngSignature, f.Content.Take(8)));
        Assert.All(files.Skip(1), f => Assert.True(f.Content.Length > 5_000, $"{f.Name} is {f.Content.Length} bytes: an empty image?"));
        var html = Encoding.UTF8.GetString(files[0].Content);
        Assert.All(files.Skip(1), f => Assert.Contains($"<img src=\"{f.Name}\"", html, StringComparison.Ordinal));
        Assert.Contains("ranker — version 20261125-r7", html, StringComparison.Ordinal);
        Assert.Contains($"Gate: {(gate.Approved ? "APPROVED" : "REJECTED")} ({gate.Verdict})", html, StringComparison.Ordinal);
        Assert.Equal(gate.Judgements.Count, html.Split("<tr><td>").Length - 1 - 1 - 2); // judgements, beside the metrics row and the two gate rows
        Assert.Contains("level0.shared", html, StringComparison.Ordinal);
    }

    private static Dictionary<string, double> Losses(double ctr, double ctcvr) => new() { ["ctr"] = ctr, ["ctcvr"] = ctcvr };
}
