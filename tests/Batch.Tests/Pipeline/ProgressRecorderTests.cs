using System.Text.Json;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline;

/// <summary>A running attempt's progress is in the ledger while it runs, for the Models page.</summary>
[Collection(TorchGroup.Name)]
public sealed class ProgressRecorderTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task ARunningAttempt_ShowsItsStepAndTrainingProgress_InTheLedger()
    {
        JsonElement? seen = null;
        var watch = FaultObserver.AtProgress("train", p => p.Batch == 2 && p.Epoch == 2, run =>
            seen = JsonDocument.Parse(stack.ScalarAsync<string>($"select progress::text from batch.runs where id = {run.Id}").GetAwaiter().GetResult()).RootElement);
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, ["progress"], [watch], epochs: 2);
        await rig.SeedAsync();

        var outcome = await rig.RunAsync("progress");

        // Written at the step's start, then at most every two seconds: the training step at least.
        Assert.Equal("train", seen!.Value.GetProperty("step").GetString());
        var last = JsonDocument.Parse(await stack.ScalarAsync<string>($"select progress::text from batch.runs where id = {outcome.RunId}")).RootElement;
        Assert.Equal("publish", last.GetProperty("step").GetString());
    }
}
