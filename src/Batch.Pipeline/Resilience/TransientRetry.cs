using System.Net.Sockets;
using Azure;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Batch.Pipeline.Resilience;

/// <summary>Retries what is worth retrying (a database or storage blip) and nothing else.</summary>
public static class TransientRetry
{
    /// <summary>
    /// A database error that a retry on a fresh connection can cure: what Npgsql calls transient, a server
    /// shutting down or restarting (57P01–57P03: every pooled connection of a restarted server fails once with
    /// it), a lost connection (class 08) and a broken socket.
    /// </summary>
    public static bool IsTransientDatabaseError(Exception error) => error switch
    {
        Batch.Data.Extraction.SourceReadException s => IsTransientDatabaseError(s.Failure),
        PostgresException p => p.IsTransient || p.SqlState is "57P01" or "57P02" or "57P03" || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or SocketException or TimeoutException,
        _ => false,
    };

    /// <summary>A storage error worth retrying: throttling, timeouts and server errors.</summary>
    public static bool IsTransientStorageError(Exception error) => error is RequestFailedException { Status: 408 or 429 or >= 500 };

    /// <summary>
    /// Retries transient database and storage errors <paramref name="attempts"/> times with exponential back-off
    /// (about 15 s in all with the default). Before each retry the pool of <paramref name="pool"/> is cleared, so
    /// that the retry runs on a fresh connection, not on another one the server has closed.
    /// </summary>
    public static ResiliencePipeline Create(NpgsqlDataSource? pool = null, int attempts = 4) =>
        new ResiliencePipelineBuilder()
            .AddRetry(Options(pool, attempts, TimeSpan.FromSeconds(1), maxDelay: null))
            .Build();

    /// <summary>
    /// Retries transient database errors until the caller's token fires (for an attempt's own writes: until its
    /// lease would run out), at most <paramref name="maxDelay"/> apart.
    /// </summary>
    public static ResiliencePipeline UntilCancelled(NpgsqlDataSource pool, TimeSpan maxDelay) =>
        new ResiliencePipelineBuilder()
            .AddRetry(Options(pool, int.MaxValue, TimeSpan.FromMilliseconds(250), maxDelay))
            .Build();

    private static RetryStrategyOptions Options(NpgsqlDataSource? pool, int attempts, TimeSpan delay, TimeSpan? maxDelay) => new()
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(e => IsTransientDatabaseError(e) || IsTransientStorageError(e)),
        MaxRetryAttempts = attempts,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = delay,
        MaxDelay = maxDelay,
        OnRetry = _ =>
        {
            pool?.Clear();
            return ValueTask.CompletedTask;
        },
    };
}
