using Azure.Storage.Blobs;
using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Data.Shards;
using Batch.Data.Validation;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Batch.Pipeline.Resilience;
using Batch.Pipeline.Runs;
using Batch.Pipeline.Scoring;
using Batch.Publishing;
using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Batch.Modeling.Plugins;

namespace Batch.Host;

/// <summary>The wiring shared by every verb: options, data access, blob store, pipeline and Hangfire.</summary>
public static class BatchServices
{
    /// <summary>
    /// appsettings.json beside the executable, then the working directory's; with <c>DOTNET_ENVIRONMENT</c> set (e.g.
    /// <c>Shop</c>), appsettings.{environment}.json beside the executable and in the working directory on top (.NET's
    /// convention: the lab's shop profile lives in appsettings.Shop.json); then BATCH_-free environment variables.
    /// </summary>
    public static void AddBatchConfiguration(this IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var files = new List<string> { "appsettings.json" };
        if (Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } environment) files.Add($"appsettings.{environment}.json");
        foreach (var file in files)
        {
            configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, file), optional: true)
                .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), file), optional: true);
        }
        configuration.AddEnvironmentVariables();
    }

    public static IServiceCollection AddBatch(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BatchOptions>()
            .Bind(configuration.GetSection(BatchOptions.Section))
            .PostConfigure(o => o.ShardDirectory = ConfigurationPaths.Resolve(configuration, $"{BatchOptions.Section}:{nameof(BatchOptions.ShardDirectory)}", o.ShardDirectory))
            .PostConfigure(o => o.JobsDirectory = ConfigurationPaths.Resolve(configuration, $"{BatchOptions.Section}:{nameof(BatchOptions.JobsDirectory)}", o.JobsDirectory))
            .PostConfigure(o => PluginSettingsBinding.Bind(configuration, o))
            .PostConfigure(o =>
            {
                foreach (var profile in o.Models.Values) ProfileRules.ApplyDefaults(profile);
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatchOptions>>(new ProfileValidator(configuration));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => NpgsqlDataSource.Create(Settings(sp).ConnectionStrings.Postgres));
        services.AddSingleton(sp => TransientRetry.Create(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(sp => new BlobServiceClient(Settings(sp).ConnectionStrings.Blobs, BlobOptions()).GetBlobContainerClient(Settings(sp).BlobContainer));
        services.AddSingleton<ModelStore>();
        services.AddSingleton(sp => new SourceDataSource(sp.GetRequiredService<NpgsqlDataSource>(), Settings(sp).ConnectionStrings.Extraction));
        services.AddSingleton(sp => new DayExtractor(sp.GetRequiredService<SourceDataSource>().DataSource));
        services.AddSingleton(sp => new DayShards(
            sp.GetRequiredService<SourceDataSource>().DataSource, Settings(sp).ShardDirectory, TimeSpan.FromDays(Settings(sp).ShardRetentionDays)));
        services.AddSingleton(sp => new ConversionChecks(sp.GetRequiredService<SourceDataSource>().DataSource));
        services.AddSingleton(sp => new LabelMaturity(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<RunLedger>();
        services.AddSingleton<PromotionLedger>();
        services.AddSingleton<ModelHistory>();
        services.AddSingleton<ProductionReconciler>();
        services.AddSingleton<ProductionTransitions>();
        services.AddSingleton<OrphanVersions>();
        services.AddSingleton<RunObservers>();
        services.AddSingleton<IRunObserver, ProgressRecorder>();
        services.AddTransient<RetrainPipeline>();
        services.AddTransient<DayScoring>();
        services.AddTransient<RetrainJob>();
        services.AddTransient<NightlyJob>();
        services.AddTransient<RecurringJobRegistrar>();
        services.AddSingleton(sp => new HangfirePools(Settings(sp).ConnectionStrings.Postgres, Settings(sp).Dashboard.MaxConcurrentRequests + 2));
        services.AddHangfire((sp, hangfire) => hangfire
            .UseFilter(new RunningDayGuard())
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(bootstrap => bootstrap.UseConnectionFactory(new DataSourceConnections(sp.GetRequiredService<HangfirePools>().Server)), StorageOptions(prepareSchema: true)));
        return services;
    }

    /// <summary>Hangfire's storage settings: the server's (which may create the schema) and the dashboard's alike.</summary>
    public static PostgreSqlStorageOptions StorageOptions(bool prepareSchema) => new()
    {
        SchemaName = "hangfire",
        PrepareSchemaIfNecessary = prepareSchema,
        // Training can take longer than the invisibility timeout; keep the job ours while it runs.
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = TimeSpan.FromMinutes(30),
        QueuePollInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// The storage client's own retries: a few, quickly, with a bounded wait per request — a run that cannot reach
    /// storage should say so in seconds, and a pointer write must finish within the attempt's lease.
    /// </summary>
    public static BlobClientOptions BlobOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(4);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    /// <summary>Adds a Hangfire server working <paramref name="queues"/>.</summary>
    public static IServiceCollection AddBatchWorker(this IServiceCollection services, IReadOnlyList<string> queues, int workers)
    {
        services.AddHangfireServer(server =>
        {
            server.Queues = [.. queues];
            server.WorkerCount = workers;
            server.ServerName = $"{Environment.MachineName}:{string.Join('+', queues)}";
            server.SchedulePollingInterval = TimeSpan.FromSeconds(5);
        });
        return services;
    }

    /// <summary>Every problem of the profiles; with <paramref name="configuration"/>, those of profiles it declares that could not be read, and keys that are no setting.</summary>
    public static List<string> ProfileProblems(BatchOptions options, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var declared = configuration?.GetSection($"{BatchOptions.Section}:{nameof(BatchOptions.Models)}").GetChildren().Select(c => c.Key).ToList() ?? [];
        // The binder leaves out a profile it cannot read (a value of the wrong type) without a word.
        var unread = declared.Where(m => !options.Models.Keys.Contains(m, StringComparer.OrdinalIgnoreCase)).ToList();
        if (options.Models.Count == 0 && unread.Count == 0) problems.Add("Batch:Models declares no model profile");
        problems.AddRange(unread.Select(m => ProfileKeys.WhyNotRead(configuration!, m)));
        if (configuration is not null) problems.AddRange(declared.SelectMany(m => ProfileKeys.Unknown(configuration, m)));
        foreach (var (name, profile) in options.Models)
        {
            try { profile.Validate(name); }
            catch (InvalidOperationException e) { problems.Add(e.Message); }
        }
        if (options.Dashboard.MaxConcurrentRequests is < 1 or > 256) problems.Add("Batch:Dashboard:MaxConcurrentRequests must lie within 1–256");
        try { options.TimeZone(); }
        catch (TimeZoneNotFoundException) { problems.Add($"Batch:BusinessTimeZone '{options.BusinessTimeZone}' is not a known time zone"); }
        return problems;
    }

    private sealed class ProfileValidator(IConfiguration configuration) : IValidateOptions<BatchOptions>
    {
        public ValidateOptionsResult Validate(string? name, BatchOptions options)
        {
            var problems = ProfileProblems(options, configuration);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    private static BatchOptions Settings(IServiceProvider sp) => sp.GetRequiredService<IOptions<BatchOptions>>().Value;
}
