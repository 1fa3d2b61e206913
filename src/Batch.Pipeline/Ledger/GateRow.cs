using System.Text.Json;
using Batch.Core.Results;

namespace Batch.Pipeline.Ledger;

/// <summary>A row of <c>batch.gate_decisions</c> as read back, its JSON columns still text.</summary>
internal sealed class GateRow
{
    public long RunId { get; init; }
    public bool Approved { get; init; }
    public string Verdict { get; init; } = "";
    public string Reasons { get; init; } = "[]";
    public string CandidateMetrics { get; init; } = "[]";
    public string? ProductionMetrics { get; init; }
    public string? ProductionVersion { get; init; }
    public string Judgements { get; init; } = "[]";
    public string? Transfer { get; init; }

    public const string Columns =
        """
        run_id as RunId, approved, verdict, reasons::text as Reasons, candidate_metrics::text as CandidateMetrics,
        production_metrics::text as ProductionMetrics, production_version as ProductionVersion, judgements::text as Judgements, transfer
        """;

    public GateDecision Decision() => new(Approved, Verdict, JsonSerializer.Deserialize<List<string>>(Reasons) ?? [])
    {
        Judgements = JsonSerializer.Deserialize<List<TaskJudgement>>(Judgements, StepDetailJson.Options) ?? [],
        Transfer = Transfer,
    };
}
