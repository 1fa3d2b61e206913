using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Batch.Core.Options;
using Batch.Core.Results;

namespace Batch.Publishing;

/// <summary>manifest.json of a model version: everything needed to serve, audit or re-evaluate it.</summary>
public sealed record ModelManifest
{
    /// <summary>
    /// 2: the architecture's plug-in settings are under <c>architecture.settings.{name}</c> (1 had them flat in
    /// <c>architecture</c>); 3: <c>tasks</c> declares each task (2 listed the names of the two default tasks).
    /// </summary>
    public const int CurrentSchemaVersion = 3;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required string Model { get; init; }
    public required string Version { get; init; }
    public required DateOnly DataDay { get; init; }
    public required DateOnly TrainingFirstDay { get; init; }
    public required DateOnly TrainingLastDay { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required long RunId { get; init; }
    public required ArchitectureOptions Architecture { get; init; }

    /// <summary>The fitted feature encoders, as the modeling library writes them.</summary>
    public required JsonNode Features { get; init; }

    /// <summary>
    /// The tasks, in the order of the network's logits: each one's name, label, kind, the task it is given (its chain
    /// product's name) and role. Null in a manifest of schema 2 or before: the default tasks (ctr, cvr given ctr: ctcvr).
    /// </summary>
    public IReadOnlyList<TaskOptions>? Tasks { get; init; }

    /// <summary>The version's tasks: <see cref="Tasks"/>, or the defaults (ctr from <paramref name="clickedColumn"/>) for a manifest before schema 3.</summary>
    public IReadOnlyList<TaskOptions> DeclaredTasks(string clickedColumn) => Tasks ?? TaskOptions.Defaults(clickedColumn);
    public required IReadOnlyList<TaskMetrics> Metrics { get; init; }
    public ModelDiagnostics? Diagnostics { get; init; }
    public IReadOnlyList<TaskMetrics>? ProductionMetrics { get; init; }
    public string? ProductionVersion { get; init; }
    public required GateDecision Gate { get; init; }
    public required JsonNode Training { get; init; }

    /// <summary>Per epoch: mean loss and weight per task, gradient cosine on the shared dense parameters, conflict rate.</summary>
    public JsonNode? TrainingHistory { get; init; }
    public required string WeightsSha256 { get; init; }
    public required string CodeVersion { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    /// <summary>Reads a manifest of any schema version, as the current version.</summary>
    /// <exception cref="InvalidDataException">It is not a manifest, or of a schema version newer than this code reads.</exception>
    public static ModelManifest Parse(BinaryData json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (JsonNode.Parse(json.ToMemory().Span) is not JsonObject root) throw new InvalidDataException($"{path} is not a JSON object.");
        var version = root["schemaVersion"]?.GetValue<int>() ?? 1;
        if (version > CurrentSchemaVersion)
            throw new InvalidDataException($"{path} has schema version {version}; this code reads up to {CurrentSchemaVersion}. Update the code that reads it.");
        if (version == 1) ManifestSchemaV1.Upgrade(root);
        // Before 3, tasks named the two default tasks; read as those.
        if (version < 3) root.Remove("tasks");
        root["schemaVersion"] = CurrentSchemaVersion;
        return root.Deserialize<ModelManifest>(Json) ?? throw new InvalidDataException($"{path} is empty.");
    }
}

/// <summary>production.json: which version serving loads.</summary>
public sealed record ProductionPointer(string Version, DateTimeOffset PromotedAt, string? Previous);
