using System.Text.Json;
using Batch.Core.Days;
using Batch.Core.Options;
using Batch.Data.Validation;
using Batch.Pipeline.Jobs;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Production;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.Extensions.Options;
using Batch.Modeling.Plugins;

namespace Batch.Host.Dashboard;

/// <summary>
/// The Models page's actions, posted with the dashboard's antiforgery token (Hangfire refuses a POST without it):
/// re-run a day, and roll production back to an approved version. Each answers JSON <c>{ message }</c>, 200 when
/// done and 409 when refused, with the reason.
/// </summary>
public static class ModelActions
{
    /// <summary>Who acts: the authenticated dashboard user, or the local user when the dashboard is local-only.</summary>
    public static string Actor(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = context.GetHttpContext().User.Identity;
        return user is { IsAuthenticated: true, Name: { } name } ? $"{name} (dashboard)" : $"local user on {Environment.MachineName} (dashboard)";
    }

    /// <summary>Enqueues a new attempt of (model, day) on the gpu queue, unless an attempt of the day is running.</summary>
    public sealed class Rerun : IDashboardDispatcher
    {
        public async Task Dispatch(DashboardContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var services = context.GetHttpContext().RequestServices;
            var model = await FormAsync(context, "model").ConfigureAwait(false);
            var day = DataDays.Parse(await FormAsync(context, "day").ConfigureAwait(false));
            services.GetRequiredService<IOptions<BatchOptions>>().Value.Profile(model).Validate(model);
            if (await services.GetRequiredService<RunLedger>().HolderAsync(model, day, context.GetHttpContext().RequestAborted).ConfigureAwait(false) is { } running)
            {
                await AnswerAsync(context, 409, $"Not re-run: attempt {running.Attempt} of {model} for {day:yyyy-MM-dd} is still running (run {running.Id} on {running.Host}); it was not cancelled.").ConfigureAwait(false);
                return;
            }
            var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
            var labels = await services.GetRequiredService<LabelMaturity>().CheckAsync(day, settings.TimeZone(), settings.ConversionWindowDays, context.GetHttpContext().RequestAborted).ConfigureAwait(false);
            if (!labels.Mature)
            {
                await AnswerAsync(context, 409, "Not re-run: " + new LabelsNotMatureException(model, labels, settings.TimeZone(), settings.ConversionWindowDays).Message).ConfigureAwait(false);
                return;
            }
            var id = RetrainJob.Enqueue(context.GetBackgroundJobClient(), model, day);
            services.GetRequiredService<ModelsViewCache>().Invalidate();
            await AnswerAsync(context, 200, $"Re-run of {model} for {day:yyyy-MM-dd} enqueued on queue '{RetrainJob.Queue}' (job {id}) by {Actor(context)}.").ConfigureAwait(false);
        }
    }

    /// <summary>Points production at an approved version, recorded in the ledger with the user.</summary>
    public sealed class Rollback : IDashboardDispatcher
    {
        public async Task Dispatch(DashboardContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            var services = context.GetHttpContext().RequestServices;
            var model = await FormAsync(context, "model").ConfigureAwait(false);
            var version = await FormAsync(context, "version").ConfigureAwait(false);
            try
            {
                var moved = await services.GetRequiredService<ProductionTransitions>()
                    .RollbackAsync(model, version, Actor(context), context.GetHttpContext().RequestAborted).ConfigureAwait(false);
                services.GetRequiredService<ModelsViewCache>().Invalidate();
                await AnswerAsync(context, 200, $"{model}: production moved from {moved.From} to {moved.To} by {moved.Actor} (promotion {moved.PromotionId}).").ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or ProductionMismatchException or StorageTargetException or PromotionInFlightException)
            {
                await AnswerAsync(context, 409, $"Not rolled back: {e.Message}").ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> FormAsync(DashboardContext context, string key)
    {
        var values = await context.Request.GetFormValuesAsync(key).ConfigureAwait(false);
        return values.FirstOrDefault() is { Length: > 0 } value ? value : throw new ArgumentException($"The form lacks '{key}'.");
    }

    internal static async Task AnswerAsync(DashboardContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { message })).ConfigureAwait(false);
    }
}
