namespace Batch.Tests.Support;

/// <summary>
/// Settings of small model profiles that train in a second or two on a few thousand impressions a day, with a
/// gate every honest model passes: in pipeline tests the plumbing is under test, the gate's rules have their own.
/// Each departs from the default model where the default would be slow on so few rows: plain PLE (no wide part,
/// shortcut or interaction layer), whole batches, no validation days, no start at the base rates.
/// </summary>
public static class TinyProfiles
{
    public const int TrainingDays = 3;

    /// <summary>The stack's connections, the container, and one tiny profile per model name.</summary>
    public static Dictionary<string, string?> Settings(string postgres, string blobs, string container, IEnumerable<string> models, int epochs = 2)
    {
        var s = new Dictionary<string, string?>
        {
            ["Batch:ConnectionStrings:Postgres"] = postgres,
            ["Batch:ConnectionStrings:Blobs"] = blobs,
            ["Batch:BlobContainer"] = container,
            ["Batch:Device"] = "cpu",
            ["Batch:JobsDirectory"] = Path.Combine(AppContext.BaseDirectory, "jobs"),
            ["Batch:ShardDirectory"] = ShardDirectory(postgres),
        };
        foreach (var model in models)
            foreach (var (key, value) in Profile(epochs)) s[$"Batch:Models:{model}:{key}"] = value;
        return s;
    }

    /// <summary>The shard folder of the tests against one database: a temporary folder, deleted with the database (<see cref="StackFixture"/>).</summary>
    public static string ShardDirectory(string postgres) =>
        Path.Combine(Path.GetTempPath(), "batch-test-shards", new Npgsql.NpgsqlConnectionStringBuilder(postgres).Database ?? "default");

    /// <summary>The keys of one profile, relative to <c>Batch:Models:{name}</c>.</summary>
    public static IEnumerable<(string Key, string Value)> Profile(int epochs = 2) =>
    [
        ("TrainingDays", TrainingDays.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Features:Categorical:0", "device"),
        ("Features:Categorical:1", "user_segment"),
        ("Features:Categorical:2", "item_category"),
        ("Features:Categorical:3", "slot_position"),
        ("Features:Numeric:0", "price"),
        ("Features:Numeric:1", "user_activity"),
        ("Architecture:EmbeddingDim", "4"),
        ("Architecture:EmbeddingInitStd", "1"),
        ("Architecture:Settings:ple:Levels", "2"),
        ("Architecture:ExpertHidden:0", "16"),
        ("Architecture:TowerHidden:0", "8"),
        ("Architecture:Wide", "false"),
        ("Architecture:Shortcut", "false"),
        ("Architecture:Interaction", "none"),
        ("Training:Epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Training:BatchSize", "512"),
        ("Training:MinStepsPerEpoch", "0"),
        ("Training:LearningRate", "0.01"),
        ("Training:EmbeddingWeightDecay", "0"),
        ("Training:ValidationDays", "0"),
        ("Training:StartAtBaseRates", "false"),
        ("Gate:FirstModelAucFloor", "0"),
        ("Gate:MaxAucDrop", "1"),
        ("Gate:MaxLogLossIncrease", "10"),
        ("Gate:MinPositives", "2"),
    ];
}
