using Batch.Core.Days;
using Batch.Lab.Synthetic;
using Batch.Data.Validation;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>
/// A day whose conversion window has not closed, by the database's clock, is refused before anything is read — by
/// `run`, by the worker's attempt, and by `rerun` and `backfill` before they enqueue — unless the operator allows it,
/// which the run records.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class LabelMaturityTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private const string Model = "young";
    private const string Allowed = "young-allowed";
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    /// <summary>Today in the business time zone, by this machine's clock (the database's, on the local stack).</summary>
    private static DateOnly Today => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Zone).DateTime);

    public async Task InitializeAsync()
    {
        // Four days ending yesterday: a window of three and yesterday as the held-out day, whose labels are not final.
        await using var rig = Rig();
        await new SyntheticSeeder(rig.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()).SeedAsync(Today.AddDays(-1), 4, 2000, seed: 3, Zone, 2, CancellationToken.None);
        _ = rig.Services.GetRequiredService<Hangfire.JobStorage>(); // its schema, for counting jobs
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private PipelineRig Rig() => new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model, Allowed]);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1200)]
    public async Task ADayWhoseWindowHasNotClosed_IsRefusedInPreflight_BeforeExtraction(int daysFromToday)
    {
        var day = Today.AddDays(daysFromToday);
        await using var rig = Rig();

        var e = await Assert.ThrowsAsync<LabelsNotMatureException>(() => rig.Pipeline.RunAsync(Model, day, "test", null, CancellationToken.None));

        Assert.Contains($"Day {DataDays.Format(day)} of {Model} is not mature", e.Message, StringComparison.Ordinal);
        var final = DataDays.LabelsFinalAt(day, Zone, 2);
        Assert.Equal(final, e.Maturity.FinalAt);
        Assert.Contains($"its labels are final from {TimeZoneInfo.ConvertTime(final, Zone):yyyy-MM-dd HH:mm} Europe/Amsterdam", e.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-immature-labels", e.Message, StringComparison.Ordinal);
        var run = Assert.Single(await rig.Ledger.RunsAsync(Model, day, CancellationToken.None));
        Assert.Equal((RunStatus.Failed, e.Message, false), (run.Status, run.Error, run.AllowImmatureLabels));
        Assert.Equal([("preflight", StepStatus.Failed)], (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)));
        Assert.Empty(ProductionInvariants.Blobs(rig, Model));
    }

    [Fact]
    public async Task AllowingImmatureLabels_TrainsTheDay_AndTheRunSaysSo()
    {
        var day = Today.AddDays(-1);
        await using var rig = Rig();

        var outcome = await rig.Pipeline.RunAsync(Allowed, day, "test", null, allowImmatureLabels: true, CancellationToken.None);

        var run = await rig.Ledger.RunAsync(outcome.RunId, CancellationToken.None);
        Assert.True(run.AllowImmatureLabels);
        var preflight = await rig.Ledger.StepDetailAsync<PreflightDetail>(run.Id, "preflight", CancellationToken.None);
        Assert.Equal((false, DataDays.LabelsFinalAt(day, Zone, 2)), (preflight!.LabelsMature, preflight.LabelsFinalAt));
        Assert.Equal(RunStatus.Succeeded, outcome.Status);
    }

    [Theory]
    [InlineData("rerun")]
    [InlineData("backfill")]
    public async Task RerunAndBackfill_RefuseAnImmatureDay_BeforeEnqueueing(string verb)
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);
        var today = DataDays.Format(Today);
        string[] args = verb == "rerun" ? ["rerun", "--model", Model, "--day", today] : ["backfill", "--model", Model, "--from", DataDays.Format(Today.AddDays(-5)), "--until", today];

        var (exit, _, error) = await BatchProcess.RunAsync(args, settings);

        Assert.Equal(1, exit);
        Assert.StartsWith($"batch: Day {today} of {Model} is not mature", error, StringComparison.Ordinal);
        Assert.Equal(0L, await stack.ScalarAsync<long>("select count(*) from hangfire.job"));
    }
}
