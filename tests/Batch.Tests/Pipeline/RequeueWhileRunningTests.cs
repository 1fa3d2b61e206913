using Batch.Core.Days;
using Batch.Host.Cli;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Batch.Tests.Pipeline;

/// <summary>Requeue of a retraining job whose attempt is still running is refused, and the attempt finishes.</summary>
[Collection(TorchGroup.Name)]
public sealed class RequeueWhileRunningTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Requeue_OfARunningDay_IsRefused_AndTheRunningAttemptFinishes()
    {
        const string Model = "requeue";
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, [Model], epochs: 60);
        using var host = HostFactory.Build([RetrainJob.Queue], workers: 2, configure: c => c.AddInMemoryCollection(settings));
        await using (var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]))
            await rig.SeedAsync();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<IBackgroundJobClient>();
            var storage = host.Services.GetRequiredService<JobStorage>();
            var ledger = host.Services.GetRequiredService<RunLedger>();
            var id = client.Enqueue<RetrainJob>(j => j.RunAsync(Model, DataDays.Format(PipelineRig.LastDay), null, CancellationToken.None));
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!await TrainingAsync(ledger, Model))
            {
                var runs = await ledger.RunsAsync(Model, PipelineRig.LastDay, CancellationToken.None);
                Assert.True(DateTime.UtcNow < deadline && runs.All(r => r.Status == RunStatus.Running),
                    "the attempt never reached training: " + string.Join("; ", runs.Select(r => $"run {r.Id} {r.Status} {r.Error}")));
                await Task.Delay(100);
            }

            // What the dashboard's Requeue button sends. The job stays processing (Hangfire records the refused
            // Enqueued as a traversed state in the history), and the attempt is not cancelled.
            client.Requeue(id);
            using (var connection = storage.GetConnection())
                Assert.Equal("Processing", connection.GetJobData(id)!.State);

            Assert.Equal("Succeeded", await JobWaiter.WaitAsync(storage, id, TimeSpan.FromMinutes(3), CancellationToken.None));
            var run = Assert.Single(await ledger.RunsAsync(Model, PipelineRig.LastDay, CancellationToken.None));
            Assert.Equal(RunStatus.Succeeded, run.Status);
            var history = storage.GetMonitoringApi().JobDetails(id).History;
            Assert.Contains(history, h => h.StateName == "Processing" && h.Reason == RunningDayGuard.Refused);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<bool> TrainingAsync(RunLedger ledger, string model)
    {
        var run = (await ledger.RunsAsync(model, PipelineRig.LastDay, CancellationToken.None)).SingleOrDefault();
        return run is not null && (await ledger.StepsAsync(run.Id, CancellationToken.None)).Any(s => s is { Step: "train", Status: StepStatus.Running });
    }
}
