using Batch.Core.Options;
using Batch.Data.Extraction;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Batch.Host;

/// <summary>
/// At start-up, every profile's feature columns against the source's catalog, when the source answers: a column the
/// table lacks stops serve, the worker and every verb that reads the database, naming the model, the column and the
/// columns there are — not a run's extract step hours later. A source that does not answer is said, not fatal: the
/// run's extract step reports it then.
/// </summary>
internal static partial class SourceColumnsCheck
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken ct)
    {
        var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SourceColumnsCheck));
        IReadOnlyDictionary<string, string> columns;
        try
        {
            columns = await services.GetRequiredService<DayExtractor>().ImpressionColumnsAsync(ct).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            SourceUnchecked(logger, e.Message);
            return;
        }
        var problems = settings.Models
            .Select(m => (m.Key, Missing: DayExtractor.MissingColumns(m.Value.Features, columns)))
            .Where(m => m.Missing is not null)
            .Select(m => $"model profile '{m.Key}': {m.Missing} Fix Batch:Models:{m.Key}:Features, or the source.")
            .ToList();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join(" ", problems));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The feature columns were not checked against the source, which did not answer ({Reason}); a run's extract step will say if one is missing.")]
    private static partial void SourceUnchecked(ILogger logger, string reason);
}
