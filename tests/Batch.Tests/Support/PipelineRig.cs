using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Batch.Core.Options;
using Batch.Lab.Synthetic;
using Batch.Host;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Pipeline.Runs;
using Batch.Publishing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Batch.Tests.Support;

/// <summary>
/// The services of the nightly job, wired exactly as the host wires them, against a given PostgreSQL, blob
/// endpoint and container; a test may add run observers and a storage pipeline policy (a fault in the storage
/// client's HTTP pipeline, not a stand-in for storage).
/// </summary>
public sealed class PipelineRig : IAsyncDisposable
{
    public static readonly DateOnly LastDay = new(2026, 10, 20);

    private readonly ServiceProvider _services;

    public PipelineRig(
        string postgres, string blobs, string container, IEnumerable<string> models, IEnumerable<IRunObserver>? observers = null,
        HttpPipelinePolicy? storagePolicy = null, Dictionary<string, string?>? extra = null, int epochs = 2)
    {
        var settings = TinyProfiles.Settings(postgres, blobs, container, models, epochs);
        // Each rig its own shard cache, gone with the rig (a test may set another).
        settings[$"{BatchOptions.Section}:{nameof(BatchOptions.ShardDirectory)}"] = ShardDirectory;
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddBatch(configuration);
        foreach (var observer in observers ?? []) services.AddSingleton(observer);
        if (storagePolicy is not null)
        {
            var options = BatchServices.BlobOptions();
            options.AddPolicy(storagePolicy, HttpPipelinePosition.PerRetry);
            services.AddSingleton(new BlobServiceClient(blobs, options).GetBlobContainerClient(container));
        }
        _services = services.BuildServiceProvider();
    }

    public IServiceProvider Services => _services;
    public RetrainPipeline Pipeline => _services.GetRequiredService<RetrainPipeline>();
    public RunLedger Ledger => _services.GetRequiredService<RunLedger>();
    public PromotionLedger Promotions => _services.GetRequiredService<PromotionLedger>();
    public ModelStore Store => _services.GetRequiredService<ModelStore>();
    public ProductionReconciler Reconciler => _services.GetRequiredService<ProductionReconciler>();
    public ProductionTransitions Transitions => _services.GetRequiredService<ProductionTransitions>();
    public BatchOptions Options => _services.GetRequiredService<IOptions<BatchOptions>>().Value;

    /// <summary>Six days of a small synthetic world ending at <see cref="LastDay"/>: a training window and a held-out day for the last three days.</summary>
    public Task SeedAsync(int perDay = 2000) =>
        new SyntheticSeeder(_services.GetRequiredService<Npgsql.NpgsqlDataSource>()).SeedAsync(LastDay, 6, perDay, seed: 5, Options.TimeZone(), Options.ConversionWindowDays, CancellationToken.None);

    /// <summary>
    /// For tests of the CLI: seeds, publishes one version of <paramref name="model"/> (the day before
    /// <see cref="LastDay"/>) with a rig of its own, and gives the settings a `batch` process needs for it and for
    /// <paramref name="others"/>, with that version.
    /// </summary>
    public static async Task<(Dictionary<string, string?> Settings, string Version)> PublishedForCliAsync(StackFixture stack, string model, params string[] others)
    {
        ArgumentNullException.ThrowIfNull(stack);
        await using (var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [model]))
        {
            await rig.SeedAsync();
            await rig.RunAsync(model, LastDay.AddDays(-1));
        }
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, [model, .. others]);
        return (settings, await stack.ScalarAsync<string>($"select version from batch.model_versions where model = '{model}'"));
    }

    public Task<RunOutcome> RunAsync(string model, DateOnly? day = null) =>
        Pipeline.RunAsync(model, day ?? LastDay, "test", null, CancellationToken.None);

    /// <summary>The rig's own shard cache, deleted with the rig.</summary>
    public string ShardDirectory { get; } = Path.Combine(Path.GetTempPath(), "batch-shards-" + Guid.NewGuid().ToString("N")[..12]);

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync().ConfigureAwait(false);
        if (Directory.Exists(ShardDirectory)) Directory.Delete(ShardDirectory, recursive: true);
    }
}
