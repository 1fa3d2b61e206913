using Azure.Core;
using Azure.Core.Pipeline;

namespace Batch.Tests.Support;

/// <summary>
/// A fault in the storage client's own HTTP pipeline: the first matching request reaches storage and is applied,
/// then its response is lost on the way back (an IOException, as a cut connection gives). The SDK's retry sends
/// the request again. <c>afterApplied</c> runs between the two — to stop storage there, say. With
/// <c>drop</c> false the response is not lost, only held back while <c>afterApplied</c> runs (a slow answer).
/// </summary>
public sealed class LostResponsePolicy(Func<HttpMessage, bool> matches, Action? afterApplied = null, bool drop = true) : HttpPipelinePolicy
{
    private int _dropped;

    public bool Dropped => Volatile.Read(ref _dropped) == 1;

    /// <summary>PUTs of a model's production pointer.</summary>
    public static bool PointerWrite(HttpMessage message) =>
        message.Request.Method == RequestMethod.Put && message.Request.Uri.Path.EndsWith("/production.json", StringComparison.Ordinal);

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline);
        Drop(message);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Drop(message);
    }

    private void Drop(HttpMessage message)
    {
        if (message.Response.Status is < 200 or >= 300 || !matches(message) || Interlocked.Exchange(ref _dropped, 1) == 1) return;
        afterApplied?.Invoke();
        if (drop) throw new IOException("The connection was reset before the response arrived (injected: the request was applied).");
    }
}
