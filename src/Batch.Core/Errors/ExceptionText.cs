namespace Batch.Core.Errors;

/// <summary>Exception text short enough to go inside another message.</summary>
public static class ExceptionText
{
    /// <summary>The first line of the message; for an aggregate (a retry's give-up), of its last inner exception.</summary>
    public static string FirstLine(Exception e)
    {
        var inner = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[^1] : e;
        return inner.Message.Split('\n', 2)[0].Trim();
    }
}
