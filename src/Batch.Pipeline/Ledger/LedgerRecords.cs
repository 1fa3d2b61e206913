using Batch.Core.Results;

namespace Batch.Pipeline.Ledger;

/// <summary>A run row of <c>batch.runs</c>.</summary>
public sealed class RunRecord
{
    public long Id { get; init; }
    public string Model { get; init; } = "";
    public DateOnly DataDay { get; init; }
    public int Attempt { get; init; }
    public RunStatus Status { get; init; }
    public string Trigger { get; init; } = "";
    public string Host { get; init; } = "";
    public string? JobId { get; init; }
    public Guid LeaseToken { get; init; }
    public int LeaseSeconds { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime HeartbeatAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public string? Error { get; init; }
    public string? Note { get; init; }

    /// <summary>Where the attempt stood when it last said (JSON), while it runs.</summary>
    public string? Progress { get; init; }

    /// <summary>The attempt was told to train on a day whose conversion window had not closed (a deliberate exception).</summary>
    public bool AllowImmatureLabels { get; init; }
}

/// <summary>A step row of <c>batch.steps</c>.</summary>
public sealed class StepRecord
{
    public long RunId { get; init; }
    public string Step { get; init; } = "";
    public int Ordinal { get; init; }
    public StepStatus Status { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public string? Detail { get; init; }
    public string? Error { get; init; }
}

/// <summary>A row of <c>batch.promotions</c>: one move of a production pointer, from intent to outcome.</summary>
public sealed class PromotionRecord
{
    public long Id { get; init; }
    public string Model { get; init; } = "";
    public PromotionKind Kind { get; init; }
    public string Version { get; init; } = "";
    public string? ExpectedPrevious { get; init; }
    public long? RunId { get; init; }
    public string Actor { get; init; } = "";
    public string Container { get; init; } = "";
    public PromotionStatus Status { get; init; }
    public DateTime RequestedAt { get; init; }
    public DateTime? SettledAt { get; init; }
    public string? Outcome { get; init; }
}

/// <summary>A row of <c>batch.model_versions</c>: a candidate written to storage, approved or rejected.</summary>
public sealed class VersionRecord
{
    public string Version { get; init; } = "";
    public string Model { get; init; } = "";
    public long RunId { get; init; }
    public DateOnly DataDay { get; init; }
    public VersionStatus Status { get; init; }
    public string Container { get; init; } = "";
    public string BlobPrefix { get; init; } = "";
    public string Location { get; init; } = "";
}

/// <summary>What the ledger knows of one run.</summary>
public sealed record RunReport(
    RunRecord Run, GateDecision? Gate, IReadOnlyList<TaskMetrics> Metrics, IReadOnlyList<TaskMetrics>? ProductionMetrics,
    string? ProductionVersion, string? Version, VersionStatus? VersionStatus, string? BlobPrefix, ModelDiagnostics? Diagnostics,
    PromotionRecord? Promotion);
