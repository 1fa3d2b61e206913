using System.Text.Json;

namespace Batch.Pipeline.Jobs;

/// <summary>One file of <c>jobs/</c>: a recurring retraining of one model.</summary>
public sealed record JobDeclaration(string Id, string Cron, string TimeZone, string Model, string Queue = "default");

public static class JobDeclarations
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads every <c>*.json</c> of <paramref name="directory"/>; a malformed file fails with its name.</summary>
    public static IReadOnlyList<JobDeclaration> Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Jobs directory '{Path.GetFullPath(directory)}' does not exist; set Batch:JobsDirectory.");
        var jobs = new List<JobDeclaration>();
        foreach (var file in Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            JobDeclaration? job;
            try { job = JsonSerializer.Deserialize<JobDeclaration>(File.ReadAllText(file), Json); }
            catch (JsonException e) { throw new InvalidDataException($"{file}: {e.Message}", e); }
            if (job is null || string.IsNullOrWhiteSpace(job.Id) || string.IsNullOrWhiteSpace(job.Cron) || string.IsNullOrWhiteSpace(job.Model) || string.IsNullOrWhiteSpace(job.TimeZone))
                throw new InvalidDataException($"{file}: a job needs id, cron, timeZone and model.");
            jobs.Add(job);
        }
        var duplicate = jobs.GroupBy(j => j.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"Job id '{duplicate.Key}' is declared more than once in {directory}.");
        return jobs;
    }
}
