using Batch.Core.Options;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Batch.Modeling.Plugins;

namespace Batch.Pipeline.Jobs;

/// <summary>Makes Hangfire's recurring jobs match the files of <c>jobs/</c>: adds, updates and removes.</summary>
public sealed class RecurringJobRegistrar(IRecurringJobManager manager, JobStorage storage, IOptions<BatchOptions> options)
{
    public IReadOnlyList<JobDeclaration> Register()
    {
        var settings = options.Value;
        var declared = JobDeclarations.Load(settings.JobsDirectory);
        foreach (var job in declared)
        {
            settings.Profile(job.Model).Validate(job.Model);
            TimeZoneInfo zone;
            try { zone = TimeZoneInfo.FindSystemTimeZoneById(job.TimeZone); }
            catch (TimeZoneNotFoundException e) { throw new InvalidDataException($"Job {job.Id}: unknown time zone '{job.TimeZone}'.", e); }
            manager.AddOrUpdate<NightlyJob>(job.Id, job.Queue, nightly => nightly.Enqueue(job.Model), job.Cron,
                new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Relaxed });
        }
        using var connection = storage.GetConnection();
        var ids = declared.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var existing in connection.GetRecurringJobs().Where(r => !ids.Contains(r.Id)))
            manager.RemoveIfExists(existing.Id);
        return declared;
    }
}
