using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Runs;

internal static partial class PipelineLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: {Model} for {Day:yyyy-MM-dd}, attempt {Attempt} ({Trigger})")]
    public static partial void RunStarted(ILogger logger, long runId, string model, DateOnly day, int attempt, string trigger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: step {Step} started")]
    public static partial void StepStarted(ILogger logger, long runId, string step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: step {Step} succeeded")]
    public static partial void StepSucceeded(ILogger logger, long runId, string step);

    // The exception itself reaches the caller (and Hangfire's log); here only what failed.
    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: step {Step} failed: {Reason}")]
    public static partial void StepFailed(ILogger logger, long runId, string step, string reason);
}
