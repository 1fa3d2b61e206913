using Microsoft.AspNetCore.Http;

namespace Batch.Host.Dashboard;

/// <summary>
/// What the Models page shows, read at most once per <see cref="MaxAge"/> however many load it: concurrent page loads wait
/// for the one read in flight instead of each taking a handful of ledger connections and a blob request. An action
/// (re-run, roll back) drops it, so the page the action reloads shows its effect.
/// </summary>
public sealed class ModelsViewCache(IServiceProvider services, TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private const string ItemKey = "batch.models";
    private readonly Lock _lock = new();
    private (Task<IReadOnlyList<ModelView>> Load, DateTimeOffset At)? _current;

    public Task<IReadOnlyList<ModelView>> GetAsync()
    {
        lock (_lock)
        {
            if (_current is { } current && (!current.Load.IsCompleted || (current.Load.IsCompletedSuccessfully && clock.GetUtcNow() - current.At < MaxAge)))
                return current.Load;
            // One read for everyone who asks meanwhile: not cancelled by any one request going away. A failed read is not kept.
            var load = ModelsView.LoadAsync(services, CancellationToken.None);
            _current = (load, clock.GetUtcNow());
            return load;
        }
    }

    public void Invalidate()
    {
        lock (_lock) _current = null;
    }

    /// <summary>
    /// Reads the page's data before Hangfire renders the page (which it does synchronously): the request waits for it
    /// without holding a thread, and the page takes it from the request.
    /// </summary>
    public static async Task PreloadAsync(HttpContext context, Func<Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Equals("/hangfire/models", StringComparison.Ordinal))
            context.Items[ItemKey] = await context.RequestServices.GetRequiredService<ModelsViewCache>().GetAsync().ConfigureAwait(false);
        await next().ConfigureAwait(false);
    }

    /// <summary>The data <see cref="PreloadAsync"/> read for this request, or a read now.</summary>
    public static IReadOnlyList<ModelView> For(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(ItemKey, out var loaded) && loaded is IReadOnlyList<ModelView> models
            ? models
            : context.RequestServices.GetRequiredService<ModelsViewCache>().GetAsync().GetAwaiter().GetResult();
    }
}
