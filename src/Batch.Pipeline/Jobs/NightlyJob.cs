using Batch.Core.Days;
using Batch.Core.Options;
using Hangfire;
using Microsoft.Extensions.Options;
using Batch.Modeling.Plugins;

namespace Batch.Pipeline.Jobs;

/// <summary>
/// The recurring job: picks the newest day whose conversion window has closed (today − 1 − window, in the
/// business time zone) and enqueues its retraining on the gpu queue.
/// </summary>
public sealed class NightlyJob(IBackgroundJobClient client, IOptions<BatchOptions> options, TimeProvider clock)
{
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Nightly {0}")]
    public string Enqueue(string model)
    {
        var settings = options.Value;
        settings.Profile(model).Validate(model);
        var day = DataDays.NightlyDay(clock.GetUtcNow(), settings.TimeZone(), settings.ConversionWindowDays);
        return RetrainJob.Enqueue(client, model, day);
    }
}
