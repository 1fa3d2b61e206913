using Azure;
using Npgsql;
using Polly;
using Polly.Retry;

namespace Batch.Pipeline.Resilience;

/// <summary>Retries what is worth retrying (Npgsql's IsTransient, 5xx from storage) and nothing else.</summary>
public static class TransientRetry
{
    public static ResiliencePipeline Create(int attempts = 4) =>
        new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<NpgsqlException>(e => e.IsTransient)
                    .Handle<RequestFailedException>(e => e.Status is 408 or 429 or >= 500),
                MaxRetryAttempts = attempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
            })
            .Build();
}
