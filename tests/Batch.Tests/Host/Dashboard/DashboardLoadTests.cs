using Batch.Host.Cli;
using Batch.Host.Dashboard;
using Batch.Pipeline.Jobs;
using Batch.Lab.Benchmarks;
using Batch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Batch.Tests.Host.Dashboard;

/// <summary>
/// The dashboard of serve, with a Hangfire server in the same process, under 200 concurrent page loads of the Models page:
/// every one answers 200 (no pool runs out, no request is dropped) — how fast is bench dashboard's business.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class DashboardLoadTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task AThousandModelsPageLoads_TwoHundredAtATime_AllAnswer200()
    {
        await using (var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, ["loaded"]))
        {
            await rig.SeedAsync();
            await rig.RunAsync("loaded", PipelineRig.LastDay.AddDays(-1));
        }
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["loaded"]);
        await using var app = DashboardHost.Build([RetrainJob.Queue, "default"], 1, "http://127.0.0.1:0", c => c.AddInMemoryCollection(settings));
        await app.StartAsync();
        try
        {
            var root = new Uri(app.Urls.First());
            var load = await DashboardBenchmark.LoadAsync(root, "/hangfire/models", concurrency: 200, requests: 1000, TimeSpan.FromSeconds(60), CancellationToken.None);
            Assert.True(load.Errors == 0, $"{load.Errors} of 1000 failed;{load.FirstError}");
            using var client = new HttpClient { BaseAddress = root };
            Assert.Contains("loaded", await client.GetStringAsync(new Uri("/hangfire/models", UriKind.Relative)), StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task TheModelsPagesData_IsReadOncePerRound_HoweverManyAsk_AndAgainAfterAnAction()
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["cached"]);
        await using var app = DashboardHost.Build(["default"], 1, "http://127.0.0.1:0", c => c.AddInMemoryCollection(settings));
        var cache = app.Services.GetRequiredService<ModelsViewCache>();

        var together = Enumerable.Range(0, 20).Select(_ => cache.GetAsync()).ToList();
        Assert.All(together, t => Assert.Same(together[0], t)); // one read, shared
        await Task.WhenAll(together);
        var first = await together[0];
        Assert.Same(first, await cache.GetAsync()); // within its two seconds
        cache.Invalidate();
        Assert.NotSame(first, await cache.GetAsync());
    }
}
