using Batch.Core.Options;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;
using Batch.Modeling.Plugins;

namespace Batch.Pipeline.Jobs;

/// <summary>Makes Hangfire's recurring jobs match the files of <c>jobs/</c>: adds, updates and removes.</summary>
public sealed class RecurringJobRegistrar(IRecurringJobManager manager, JobStorage storage, IOptions<BatchOptions> options)
{
    /// <param name="allowNoJobs">a missing or empty jobs folder is meant: every recurring job is removed</param>
    public IReadOnlyList<JobDeclaration> Register(bool allowNoJobs = false)
    {
        var settings = options.Value;
        var declared = JobDeclarations.Load(settings.JobsDirectory, allowNoJobs);
        foreach (var job in declared)
        {
            try { settings.Profile(job.Model).Validate(job.Model); }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{job.File}: job '{job.Id}' names model '{job.Model}': {e.Message}", e);
            }
            TimeZoneInfo zone;
            try { zone = TimeZoneInfo.FindSystemTimeZoneById(job.TimeZone); }
            catch (TimeZoneNotFoundException e) { throw new InvalidDataException($"{job.File}: job '{job.Id}' has an unknown time zone '{job.TimeZone}'.", e); }
            try
            {
                manager.AddOrUpdate<NightlyJob>(job.Id, job.Queue, nightly => nightly.Enqueue(job.Model), job.Cron,
                    new RecurringJobOptions { TimeZone = zone, MisfireHandling = MisfireHandlingMode.Relaxed });
            }
            catch (ArgumentException e) when (e.ParamName == "cronExpression")
            {
                throw new InvalidDataException(
                    $"{job.File}: job '{job.Id}' has an invalid cron '{job.Cron}' ({e.Message.Split(" (Parameter", 2)[0]}). Write five fields — minute hour day-of-month month day-of-week — such as \"30 2 * * *\".", e);
            }
        }
        using var connection = storage.GetConnection();
        var ids = declared.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var existing in connection.GetRecurringJobs().Where(r => !ids.Contains(r.Id)))
            manager.RemoveIfExists(existing.Id);
        return declared;
    }
}
