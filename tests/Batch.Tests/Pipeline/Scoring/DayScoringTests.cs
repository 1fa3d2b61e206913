using System.Globalization;
using Batch.Evaluation;
using Batch.Pipeline.Scoring;
using Batch.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Batch.Tests.Pipeline.Scoring;

/// <summary>`batch score`: a published version's scores of a day, read back from storage alone.</summary>
[Collection(TorchGroup.Name)]
public sealed class DayScoringTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private const string Model = "scoring";

    private PipelineRig Rig() => new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);

    [Fact]
    public async Task ScoringTheHeldOutDayWithTheVersionItPublished_ReproducesTheMetricsItsRunRecorded()
    {
        await using var rig = Rig();
        await rig.SeedAsync();
        var outcome = await rig.RunAsync(Model);
        Assert.True(outcome.Promoted);
        var recorded = (await rig.Ledger.ReportAsync(outcome.RunId, CancellationToken.None)).Metrics;

        var scored = await rig.Services.GetRequiredService<DayScoring>().ScoreAsync(Model, null, PipelineRig.LastDay, CancellationToken.None);

        Assert.Equal(outcome.Version, scored.Version); // production's, when none is named
        Assert.Equal(recorded.Single(m => m.Task == "ctr").Count, scored.Frame.Count);
        Assert.Equal(recorded.Single(m => m.Task == "ctr").Auc, Metrics.Auc(scored.Predictions["ctr"], scored.Frame.Clicked), 12);
        Assert.Equal(recorded.Single(m => m.Task == "ctcvr").Auc, Metrics.Auc(scored.Predictions["ctcvr"], scored.Frame.Converted), 12);
        for (var i = 0; i < scored.Frame.Count; i++)
            Assert.Equal(scored.Predictions["ctr"][i] * scored.Predictions["cvr"][i], scored.Predictions["ctcvr"][i], 6);

        // The file holds every impression once, in id order, each probability as it was computed.
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        ScoreFile.Write(scored, text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("impression_id,p_ctr,p_cvr,p_ctcvr", lines[0]);
        Assert.Equal(scored.Frame.Count + 1, lines.Length);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(scored.Frame.Ids, rows.Select(r => long.Parse(r[0], CultureInfo.InvariantCulture)));
        Assert.Equal(scored.Predictions["cvr"], rows.Select(r => float.Parse(r[2], CultureInfo.InvariantCulture)));
        Assert.Equal(scored.Predictions["ctcvr"], rows.Select(r => float.Parse(r[3], CultureInfo.InvariantCulture)));

        // A named version that is not an approved one is refused, naming those that are.
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            rig.Services.GetRequiredService<DayScoring>().ScoreAsync(Model, "20990101-r1", PipelineRig.LastDay, CancellationToken.None));
        Assert.Equal($"20990101-r1 is not an approved version of {Model}; only published versions are scored (approved: {outcome.Version}).", e.Message);
    }

    [Fact]
    public async Task TheVerb_WritesTheFile_AndSaysWhatItScored_OrRefusesAModelWithoutProduction()
    {
        const string Cli = "scoring-cli";
        var (settings, version) = await PipelineRig.PublishedForCliAsync(stack, Cli, "unpublished");
        var impressions = await stack.ScalarAsync<long>(
            "select count(*) from impressions where (event_time at time zone 'Europe/Amsterdam')::date = date '2026-10-20'");
        var path = Path.Combine(Path.GetTempPath(), $"batch-score-{Guid.NewGuid():N}.csv");
        try
        {
            var (exit, output, error) = await BatchProcess.RunAsync(["score", "--model", Cli, "--day", "2026-10-20", "--out", path], settings);

            Assert.True(exit == 0, error);
            Assert.StartsWith($"Scored {impressions} impressions of 2026-10-20 with {Cli} {version} into {path}; against the day's labels: ctr AUC 0.", output, StringComparison.Ordinal);
            Assert.Equal(impressions + 1, File.ReadLines(path).Count());
            Assert.False(File.Exists(path + ".partial"));

            // A write that fails leaves the file that was there as it was: the scores go beside it first.
            File.WriteAllText(path, "earlier scores\n");
            Directory.CreateDirectory(path + ".partial");
            var (failed, _, cannot) = await BatchProcess.RunAsync(["score", "--model", Cli, "--day", "2026-10-20", "--out", path], settings);
            Assert.Equal(1, failed);
            Assert.StartsWith("batch: ", cannot, StringComparison.Ordinal);
            Assert.Equal("earlier scores\n", File.ReadAllText(path));
            Directory.Delete(path + ".partial");

            var (refused, _, why) = await BatchProcess.RunAsync(["score", "--model", "unpublished", "--day", "2026-10-20", "--out", path], settings);
            Assert.Equal(1, refused);
            Assert.StartsWith($"batch: unpublished has no production version in '{stack.ContainerName}'; name one with --version (it has none yet).", why, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
            if (Directory.Exists(path + ".partial")) Directory.Delete(path + ".partial");
        }
    }
}
