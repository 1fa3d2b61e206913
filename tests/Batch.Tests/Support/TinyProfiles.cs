namespace Batch.Tests.Support;

/// <summary>
/// Settings of small model profiles that train in a second or two on a few thousand impressions a day, with a
/// gate every honest model passes: in pipeline tests the plumbing is under test, the gate's rules have their own.
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
        ("Architecture:Settings:ple:Levels", "2"),
        ("Architecture:ExpertHidden:0", "16"),
        ("Architecture:TowerHidden:0", "8"),
        ("Training:Epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Training:BatchSize", "512"),
        ("Training:LearningRate", "0.01"),
        ("Gate:FirstModelAucFloor", "0"),
        ("Gate:MaxAucDrop", "1"),
        ("Gate:MaxLogLossIncrease", "10"),
        ("Gate:MinPositives", "2"),
    ];
}
