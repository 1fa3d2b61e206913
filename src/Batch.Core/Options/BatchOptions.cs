using System.ComponentModel.DataAnnotations;

namespace Batch.Core.Options;

/// <summary>The <c>Batch</c> configuration section: where the data, the models and the jobs live.</summary>
public sealed class BatchOptions
{
    public const string Section = "Batch";

    public ConnectionStringsOptions ConnectionStrings { get; set; } = new();

    /// <summary>Blob container that holds <c>{model}/versions/…</c> and <c>{model}/production.json</c>.</summary>
    [Required]
    public string BlobContainer { get; set; } = "models";

    /// <summary>IANA time zone in which a data day is a calendar date.</summary>
    [Required]
    public string BusinessTimeZone { get; set; } = "Europe/Amsterdam";

    /// <summary>Days after an impression within which a conversion is attributed to it.</summary>
    [Range(0, 30)]
    public int ConversionWindowDays { get; set; } = 2;

    /// <summary>Folder of the recurring job declarations (<c>*.json</c>).</summary>
    [Required]
    public string JobsDirectory { get; set; } = "jobs";

    /// <summary>
    /// Folder of the day shards: each day's extracted rows, reused by a later run while the source day is unchanged.
    /// Local disk of the worker; several workers may share it.
    /// </summary>
    [Required]
    public string ShardDirectory { get; set; } = ".local/shards";

    /// <summary>
    /// Days a run reads from the database at once, each on a connection of its own: the database's work on one day
    /// overlaps the decoding of another.
    /// </summary>
    [Range(1, 32)]
    public int ExtractionConnections { get; set; } = 2;

    /// <summary>Shards not used for this many days are deleted.</summary>
    [Range(0.01, 3650)]
    public double ShardRetentionDays { get; set; } = 14;

    /// <summary>Training device: <c>auto</c>, <c>cpu</c> or <c>cuda</c>.</summary>
    [RegularExpression("^(auto|cpu|cuda)$", ErrorMessage = "Batch:Device must be auto, cpu or cuda.")]
    public string Device { get; set; } = "auto";

    /// <summary>
    /// Threads each tensor operation on the CPU may use (libtorch's intra-op threads); 0 keeps libtorch's default, one
    /// per core. Our models' operations are small, so a thread per core mostly waits on the others.
    /// </summary>
    [Range(0, 1024)]
    public int CpuThreads { get; set; } = 1;

    /// <summary>
    /// The lease a running attempt holds its (model, day) by, renewed by its heartbeat every quarter of it. An
    /// attempt silent for longer is taken to be dead and may be replaced; one that cannot renew in time stops
    /// itself. Fractions are allowed (0.5 = 30 s).
    /// </summary>
    [Range(0.05, 1440)]
    public double RunLeaseMinutes { get; set; } = 30;

    public TimeSpan RunLease => TimeSpan.FromMinutes(RunLeaseMinutes);

    /// <summary>Who may open the dashboard from elsewhere than this machine.</summary>
    public DashboardAccessOptions Dashboard { get; set; } = new();

    /// <summary>Model profiles by name.</summary>
    public Dictionary<string, ModelProfile> Models { get; set; } = new(StringComparer.Ordinal);

    public TimeZoneInfo TimeZone() => TimeZoneInfo.FindSystemTimeZoneById(BusinessTimeZone);

    public ModelProfile Profile(string model) =>
        Models.TryGetValue(model, out var profile)
            ? profile
            : throw new KeyNotFoundException(
                $"No model profile '{model}' under Batch:Models (known: {string.Join(", ", Models.Keys)}).");
}

public sealed class ConnectionStringsOptions
{
    [Required]
    public string Postgres { get; set; } = "";

    [Required]
    public string Blobs { get; set; } = "";

    /// <summary>
    /// Optional: where extraction and the conversion checks read <c>impressions</c> and <c>conversions</c> (a read
    /// replica); empty means <see cref="Postgres"/>. The ledger and Hangfire stay on <see cref="Postgres"/>.
    /// </summary>
    public string? Extraction { get; set; }
}

/// <summary>
/// Dashboard access. With no user configured the dashboard answers local requests only; with a user and the
/// SHA-256 of a password (hex), every request must authenticate with HTTP Basic (serve it behind TLS).
/// </summary>
public sealed class DashboardAccessOptions
{
    public string? User { get; set; }

    /// <summary>Lower-case hex SHA-256 of the password; set it from an environment variable, never in a file.</summary>
    public string? PasswordSha256 { get; set; }

    public bool RequiresAuthentication => !string.IsNullOrEmpty(User) && !string.IsNullOrEmpty(PasswordSha256);

    /// <summary>
    /// Dashboard requests handled at once; the others wait their turn in the server, not for a database connection (the
    /// dashboard's pool holds two more than this). Hangfire renders its pages with blocking storage calls, so a thread
    /// per request in flight: more than a few per core only queues inside the process instead of outside it.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int MaxConcurrentRequests { get; set; } = 8;
}
