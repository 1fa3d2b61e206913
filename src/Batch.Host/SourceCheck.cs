using Batch.Core.Options;
using Batch.Data.Extraction;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Batch.Host;

/// <summary>
/// At start-up, every profile's source mapping against the source's catalog, when the source answers: a relation or
/// column that is not there, a column of a type the mapping cannot read, or row versions asked of a view stop serve, the
/// worker and every verb that reads the database, naming the model, the relation and the column — not a run's extract
/// step hours later. Nothing is created or run. A source that does not answer is said, not fatal: the run's extract step
/// reports it then.
/// </summary>
internal static partial class SourceCheck
{
    public static async Task RunAsync(IServiceProvider services, CancellationToken ct)
    {
        var settings = services.GetRequiredService<IOptions<BatchOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SourceCheck));
        var problems = new List<string>();
        try
        {
            await using var connection = await services.GetRequiredService<SourceDataSource>().DataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
            foreach (var (model, profile) in settings.Models)
            {
                var found = await SourceSql.ProblemsAsync(connection, SourceSpec.Of(profile, settings), ct).ConfigureAwait(false);
                if (found.Count > 0)
                    problems.Add($"model profile '{model}': {string.Join("; ", found)}. Fix Batch:Models:{model}:Source or :Features, or the source.");
            }
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            SourceUnchecked(logger, e.Message);
            return;
        }
        if (problems.Count > 0) throw new InvalidOperationException(string.Join(" ", problems));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The source mapping was not checked against the source, which did not answer ({Reason}); a run's extract step will say if a relation or column is missing.")]
    private static partial void SourceUnchecked(ILogger logger, string reason);
}
