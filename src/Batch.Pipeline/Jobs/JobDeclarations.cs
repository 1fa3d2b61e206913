using System.Text.Json;
using System.Text.Json.Serialization;

namespace Batch.Pipeline.Jobs;

/// <summary>One file of <c>jobs/</c>: a recurring retraining of one model.</summary>
public sealed record JobDeclaration(string Id, string Cron, string TimeZone, string Model, string Queue = "default")
{
    /// <summary>The file that declares it, for messages.</summary>
    [JsonIgnore]
    public string File { get; init; } = "";
}

public static class JobDeclarations
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// Reads every <c>*.json</c> of <paramref name="directory"/>; a malformed file fails with its name. A missing or empty
    /// folder — a mistyped <c>Batch:JobsDirectory</c> more often than not — is refused, since registering it would remove
    /// every recurring job, unless <paramref name="allowNone"/> says that is meant.
    /// </summary>
    public static IReadOnlyList<JobDeclaration> Load(string directory, bool allowNone = false)
    {
        var full = Path.GetFullPath(directory);
        if (!Directory.Exists(directory))
        {
            if (allowNone) return [];
            throw new DirectoryNotFoundException(
                $"Jobs directory '{full}' does not exist, so serve would remove every recurring job. Fix Batch:JobsDirectory, or start with --allow-no-jobs to run without recurring jobs.");
        }
        var jobs = new List<JobDeclaration>();
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            JobDeclaration? job;
            try { job = JsonSerializer.Deserialize<JobDeclaration>(File.ReadAllText(file), Json); }
            catch (JsonException e) { throw new InvalidDataException($"{file}: {e.Message}", e); }
            if (job is null || string.IsNullOrWhiteSpace(job.Id) || string.IsNullOrWhiteSpace(job.Cron) || string.IsNullOrWhiteSpace(job.Model) || string.IsNullOrWhiteSpace(job.TimeZone))
                throw new InvalidDataException($"{file}: a job needs id, cron, timeZone and model.");
            jobs.Add(job with { File = file });
        }
        if (jobs.Count == 0 && !allowNone)
            throw new InvalidDataException(
                $"Jobs directory '{full}' holds no *.json job declaration, so serve would remove every recurring job. Add one (jobs/ranker-nightly.json is an example), fix Batch:JobsDirectory, or start with --allow-no-jobs to run without recurring jobs.");
        var duplicate = jobs.GroupBy(j => j.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"Job id '{duplicate.Key}' is declared more than once in {directory}: {string.Join(", ", duplicate.Select(j => j.File))}.");
        return jobs;
    }
}
