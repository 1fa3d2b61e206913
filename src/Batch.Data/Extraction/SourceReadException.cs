using Npgsql;

namespace Batch.Data.Extraction;

/// <summary>
/// A read of the source that failed, and whose COPY, transaction or connection then failed to close too. Npgsql, closing
/// a connection whose COPY the server broke off, can throw an error of its own (an index out of range) that says
/// nothing; this keeps the read's error — PostgreSQL's own message — as what is reported (and as the inner exception),
/// with each failure to close named after it.
/// </summary>
public sealed class SourceReadException : Exception
{
    private SourceReadException(string message, Exception failure) : base(message, failure) { }

    /// <summary>What failed first; what the operator must fix.</summary>
    public Exception Failure => InnerException!;

    /// <summary>The read's <paramref name="failure"/>, with <paramref name="closing"/>'s failure to close <paramref name="what"/> after it named.</summary>
    /// <param name="reading">what was being read, for the message ("impressions of 2026-11-25")</param>
    public static SourceReadException After(string reading, string what, Exception failure, Exception closing)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(closing);
        var closed = $"closing {what} afterwards failed too ({closing.GetType().Name}: {closing.Message})";
        return failure is SourceReadException earlier
            ? new SourceReadException($"{earlier.Message}; {closed}", earlier.Failure)
            : new SourceReadException($"Reading the {reading} failed: {Describe(failure)}. Fix what it names in the source, then re-run the day; {closed}", failure);
    }

    private static string Describe(Exception failure) => failure switch
    {
        PostgresException p => $"PostgreSQL says: {p.MessageText} ({p.SqlState}){(p.Detail is { Length: > 0 } d ? $"; {d}" : "")}{(p.Where is { Length: > 0 } w ? $"; where: {w}" : "")}",
        _ => $"{failure.GetType().Name}: {failure.Message}",
    };

    /// <summary>
    /// Runs <paramref name="work"/> and disposes <paramref name="resource"/>. When the work fails and disposing fails too,
    /// the work's error is the one thrown, inside a <see cref="SourceReadException"/> that names both.
    /// </summary>
    public static async Task<T> UsingAsync<T>(IAsyncDisposable resource, string reading, string what, Func<Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(work);
        T result;
        try
        {
            result = await work().ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            try
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception closing)
            {
                throw After(reading, what, failure, closing);
            }
            throw;
        }
        await resource.DisposeAsync().ConfigureAwait(false);
        return result;
    }
}
