using Batch.Data.Validation;
using System.Text.Json;
using System.Text.Json.Serialization;
using Batch.Core.Results;
using Batch.Data.Shards;
using Batch.Modeling.Training;

namespace Batch.Pipeline.Ledger;

/// <summary>
/// What each step records in <c>batch.steps.detail</c>, as typed records written and read with one set of JSON
/// options (camelCase; read case-insensitively, so details written before these records still read).
/// </summary>
public static class StepDetailJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>preflight: the day's label maturity, the storage target, and the pointer against the ledger (with what reconcile repaired).</summary>
public sealed record PreflightDetail(
    string Container, string Endpoint, bool ContainerExists, bool FirstModel,
    [property: JsonPropertyName("pointer")] string? PointerVersion, string? Ledger, string? InFlight, IReadOnlyList<string> Repairs)
{
    /// <summary>When the day's labels are (or were) final: the start of D + window + 1 in the business time zone.</summary>
    public DateTimeOffset? LabelsFinalAt { get; init; }

    /// <summary>Whether they were final by the database's clock when the run started (false only on a run allowed to go on).</summary>
    public bool? LabelsMature { get; init; }
}

/// <summary>extract: the rows of the window (per day) and of the held-out day.</summary>
public sealed record ExtractDetail(int TrainRows, IReadOnlyList<int> RowsPerDay, DateOnly TrainFirst, DateOnly TrainLast, int HeldOutRows, DateOnly HeldOutDay)
{
    /// <summary>Per day, window first and held-out day last: read from its shard or from the database, and why.</summary>
    public IReadOnlyList<ShardUse> Shards { get; init; } = [];

    /// <summary>The relations read, as the profile's source mapping names them (empty in details recorded before it).</summary>
    public string Source { get; init; } = "";

    /// <summary>How the shards' staleness was told (Source:ChangeDetection; empty in details recorded before it).</summary>
    public string ChangeDetection { get; init; } = "";
}

/// <summary>validate: the rates the held-out day was checked against.</summary>
public sealed record ValidateDetail(double TrainClickRate, double TrainConversionRate, double HeldOutClickRate, double HeldOutConversionRate)
{
    /// <summary>Per feature, its PSI between the held-out day and the window and its share of unseen values (empty in details recorded before it).</summary>
    public IReadOnlyList<FeatureShift> Drift { get; init; } = [];
}

/// <summary>train: where and on what it trained, and every epoch (the kept one marked).</summary>
public sealed record TrainDetail(string Device, int Rows, int ValidationRows, string Balancer, int KeptEpoch, IReadOnlyList<EpochLoss> Epochs);

/// <summary>evaluate: the candidate's and production's metrics on the held-out day, and the candidate's gate usage.</summary>
public sealed record EvaluateDetail(IReadOnlyList<TaskMetrics> Candidate, ModelDiagnostics Diagnostics, IReadOnlyList<TaskMetrics>? Production, string? ProductionVersion);

/// <summary>publish: where the version was written, and whether and how production moved to it.</summary>
public sealed record PublishDetail(string Version, string Prefix, string Container, string Location, bool Approved, bool CreatedContainer)
{
    public bool Promoted { get; init; }

    /// <summary>How the pointer write ended (<c>Applied</c>, or <c>AlreadyApplied</c> after a lost answer).</summary>
    public string? PointerWrite { get; init; }
}

/// <summary>
/// <c>batch.runs.progress</c> of a running attempt: the step, and within it (once counting) how far it has got — of
/// how many, in which unit, at what rate, with how long left; for training the epoch and batch.
/// </summary>
public sealed record ProgressSnapshot(string Step)
{
    public long? Done { get; init; }
    public long Total { get; init; }
    public string? Unit { get; init; }
    public double Rate { get; init; }
    public double? RemainingSeconds { get; init; }
    public int Epoch { get; init; }
    public int Epochs { get; init; }
    public int Batch { get; init; }
    public int Batches { get; init; }
}
