using System.Diagnostics;
using System.Globalization;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>The process running an attempt killed mid-training (SIGKILL): the day stays held until its lease lapses, then a re-run takes it over.</summary>
[Collection(TorchGroup.Name)]
public sealed class ProcessKillTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private const string Model = "kill";
    private const double LeaseMinutes = 0.1; // 6 s

    public async Task InitializeAsync()
    {
        await using var rig = Rig();
        await rig.SeedAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private PipelineRig Rig() => new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model],
        extra: new() { ["Batch:RunLeaseMinutes"] = LeaseMinutes.ToString(CultureInfo.InvariantCulture) });

    [Fact]
    public async Task AProcessKilledMidTraining_HoldsTheDayUntilItsLeaseLapses_ThenARerunSucceeds()
    {
        await using var rig = Rig();
        using (var child = StartRun())
        {
            var killed = await WaitForTrainingAsync(rig, child);
            child.Kill(); // SIGKILL: no cleanup of any kind
            await child.WaitForExitAsync();

            // Its lease still holds: a new attempt is refused, not run beside it.
            var refused = await Assert.ThrowsAsync<RunAlreadyActiveException>(() => rig.RunAsync(Model));
            Assert.Contains($"(run {killed.Id} on", refused.Message, StringComparison.Ordinal);
            Assert.Empty(ProductionInvariants.Blobs(rig, Model));

            // Once the lease has lapsed, the re-run takes the day over.
            while (await stack.ScalarAsync<bool>($"select heartbeat_at + lease_seconds * interval '1 second' > now() from batch.runs where id = {killed.Id}"))
                await Task.Delay(200);
            var outcome = await rig.RunAsync(Model);

            Assert.Equal((RunStatus.Succeeded, 2), (outcome.Status, outcome.Attempt));
            var dead = await rig.Ledger.RunAsync(killed.Id, CancellationToken.None);
            Assert.Equal(RunStatus.Abandoned, dead.Status);
            Assert.Contains("its lease of 6 s lapsed", dead.Error, StringComparison.Ordinal);
            Assert.Equal(("train", StepStatus.Failed), (await rig.Ledger.StepsAsync(dead.Id, CancellationToken.None)).Select(st => (st.Step, st.Status)).Last());
            Assert.DoesNotContain(ProductionInvariants.Blobs(rig, Model), b => b.Contains($"-r{killed.Id}/", StringComparison.Ordinal));
            Assert.Equal(outcome.Version, await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves: 1));
        }
    }

    /// <summary>`batch run` in a process of its own, with a long training so that it can be caught in it.</summary>
    private Process StartRun()
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, [Model], epochs: 200);
        settings["Batch:RunLeaseMinutes"] = LeaseMinutes.ToString(CultureInfo.InvariantCulture);
        return BatchProcess.Start(["run", "--model", Model, "--day", "2026-10-20"], settings);
    }

    private static async Task<RunRecord> WaitForTrainingAsync(PipelineRig rig, Process child)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(child.HasExited, $"batch run exited with {(child.HasExited ? child.ExitCode : 0)} before training");
            var run = (await rig.Ledger.RunsAsync(Model, PipelineRig.LastDay, CancellationToken.None)).SingleOrDefault();
            if (run is not null && (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Any(s => s is { Step: "train", Status: StepStatus.Running }))
                return run;
            await Task.Delay(100);
        }
        throw new TimeoutException("batch run never reached its training step");
    }
}
