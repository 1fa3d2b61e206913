using Batch.Core.Days;
using Batch.Host.Cli;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Runs;
using Batch.Tests.Support;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>One attempt per (model, day): a taken-over attempt can neither finish, record nor publish, and a day started three times at once runs once.</summary>
[Collection(TorchGroup.Name)]
public sealed class LeaseTakeoverTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, ["seed"]);
        await rig.SeedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AnAttemptWhoseLeaseWasTakenOver_CannotFinishRecordOrPublish()
    {
        PipelineRig rig = null!;
        RunRecord? taken = null;
        RunOutcome? successor = null;
        // Mid-training, attempt 1 falls silent past its lease (its heartbeat is aged in the ledger), and attempt 2
        // takes the day over and runs to the end; then attempt 1 carries on.
        var fault = FaultObserver.AtProgress("train", p => p.Batch == 1, run =>
        {
            taken = run;
            stack.ExecuteAsync($"update batch.runs set heartbeat_at = now() - interval '2 hours' where id = {run.Id}").GetAwaiter().GetResult();
            successor = rig.RunAsync("lease-take").GetAwaiter().GetResult();
        });
        await using (rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, ["lease-take"], [fault]))
        {
            var e = await Assert.ThrowsAsync<RunHoldLostException>(() => rig.RunAsync("lease-take"));

            Assert.True(e.TakenOver);
            Assert.Contains($"attempt 2 (run {successor!.RunId}", e.Message, StringComparison.Ordinal);
            var old = await rig.Ledger.RunAsync(taken!.Id, CancellationToken.None);
            Assert.Equal(RunStatus.Abandoned, old.Status); // never turned back into succeeded
            Assert.Contains("stopped", old.Note, StringComparison.Ordinal);
            Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.model_versions where run_id = {old.Id}"));
            Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.gate_decisions where run_id = {old.Id}"));
            Assert.Equal(0L, await stack.ScalarAsync<long>($"select count(*) from batch.promotions where run_id = {old.Id}"));
            Assert.DoesNotContain(ProductionInvariants.Blobs(rig, "lease-take"), b => b.Contains($"-r{old.Id}/", StringComparison.Ordinal));

            Assert.Equal((RunStatus.Succeeded, true), (successor.Status, successor.Promoted));
            Assert.Equal(successor.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, "lease-take", moves: 1));
            await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, "lease-take", moves: 2);
        }
    }

    [Fact]
    public async Task TheSameDayStartedThreeTimesAtOnce_RunsOnce()
    {
        const string Model = "lease-three";
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, [Model], epochs: 10);
        using var host = HostFactory.Build([RetrainJob.Queue], workers: 3, configure: c => c.AddInMemoryCollection(settings));
        var client = host.Services.GetRequiredService<IBackgroundJobClient>();
        var day = DataDays.Format(PipelineRig.LastDay);
        // Three requests for the same day, as three Requeue clicks or a rerun during the nightly make them.
        var ids = Enumerable.Range(0, 3).Select(_ => client.Enqueue<RetrainJob>(j => j.RunAsync(Model, day, null, CancellationToken.None))).ToList();
        await host.StartAsync();
        try
        {
            var storage = host.Services.GetRequiredService<JobStorage>();
            var states = new List<string>();
            foreach (var id in ids) states.Add(await JobWaiter.WaitAsync(storage, id, TimeSpan.FromMinutes(3), CancellationToken.None));

            Assert.Equal(["Failed", "Failed", "Succeeded"], states.Order(StringComparer.Ordinal));
            var monitor = storage.GetMonitoringApi();
            foreach (var id in ids.Where((_, i) => states[i] == "Failed"))
            {
                var failed = monitor.JobDetails(id).History.First(h => h.StateName == "Failed");
                Assert.Contains("is still running", failed.Data["ExceptionMessage"], StringComparison.Ordinal);
            }
            var run = Assert.Single(await new RunLedger(stack.DataSource).RunsAsync(Model, PipelineRig.LastDay, CancellationToken.None));
            Assert.Equal(RunStatus.Succeeded, run.Status);
        }
        finally
        {
            await host.StopAsync();
        }
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);
        var first = await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves: 1);
        Assert.NotNull(first);
        await ProductionInvariants.RerunSucceedsAsync(rig, stack.DataSource, Model, moves: 2);
    }
}
