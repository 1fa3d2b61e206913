using Microsoft.Extensions.Logging;

namespace Batch.Pipeline.Ledger;

internal static partial class LedgerLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: heartbeat failed ({Reason}); retrying, the lease holds for {RemainingSeconds:F0} s more")]
    public static partial void HeartbeatFailed(ILogger logger, long runId, string reason, double remainingSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: heartbeat renewed again")]
    public static partial void HeartbeatRecovered(ILogger logger, long runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: hold lost: {Reason}")]
    public static partial void HoldLost(ILogger logger, long runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile {Model}: {Action}")]
    public static partial void Repaired(ILogger logger, string model, string action);
}
