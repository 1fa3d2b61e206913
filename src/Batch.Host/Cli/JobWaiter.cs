using Hangfire;

namespace Batch.Host.Cli;

/// <summary>Waits for a Hangfire job to reach a final state.</summary>
public static class JobWaiter
{
    public static async Task<string> WaitAsync(JobStorage storage, string jobId, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(storage);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            string? state;
            using (var connection = storage.GetConnection()) state = connection.GetJobData(jobId)?.State;
            if (state is "Succeeded" or "Failed" or "Deleted") return state;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Job {jobId} is still {state ?? "unknown"} after {timeout}; is a worker serving its queue?");
            await Task.Delay(TimeSpan.FromMilliseconds(300), ct).ConfigureAwait(false);
        }
    }
}
