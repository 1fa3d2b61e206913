using Batch.Core.Options;
using Batch.Data.Schema;
using Microsoft.Extensions.Options;

namespace Batch.Host.Cli;

/// <summary>Builds the generic host a verb runs in.</summary>
public static class HostFactory
{
    public static IHost Build(IReadOnlyList<string>? workerQueues = null, int workers = 1, Action<IConfigurationBuilder>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddBatchConfiguration();
        configure?.Invoke(builder.Configuration);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Services.AddBatch(builder.Configuration);
        if (workerQueues is { Count: > 0 }) builder.Services.AddBatchWorker(workerQueues, workers);
        services?.Invoke(builder.Services);
        UseCpuThreads(builder.Configuration);
        return builder.Build();
    }

    /// <summary>
    /// <c>Batch:CpuThreads</c> (1 unless set), read before the first tensor operation of the process; a value out of
    /// range fails the options' validation at start.
    /// </summary>
    public static void UseCpuThreads(IConfiguration configuration)
    {
        if (configuration.GetValue("Batch:CpuThreads", new BatchOptions().CpuThreads) is > 0 and var threads) Batch.Modeling.Training.TorchDevices.UseCpuThreads(threads);
    }

    /// <summary>
    /// The host of a verb that touches the database: built, with pending migrations applied and every profile's source
    /// mapping checked against the catalog.
    /// </summary>
    /// <param name="prepare">work between the migrations and the source check (the lab creates its synthetic source there)</param>
    public static async Task<IHost> BuildMigratedAsync(
        CancellationToken ct, IReadOnlyList<string>? workerQueues = null, int workers = 1, Action<IServiceCollection>? services = null,
        Func<IServiceProvider, CancellationToken, Task>? prepare = null)
    {
        var host = Build(workerQueues, workers, services: services);
        try
        {
            await MigrateAsync(host.Services, ct).ConfigureAwait(false);
            if (prepare is not null) await prepare(host.Services, ct).ConfigureAwait(false);
            await SourceCheck.RunAsync(host.Services, ct).ConfigureAwait(false);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Applies pending migrations; every verb that touches the database calls this first.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
        return await Migrator.ApplyAsync(settings.ConnectionStrings.Postgres, ct).ConfigureAwait(false);
    }
}
