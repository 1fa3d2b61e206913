using System.Net.Sockets;
using Azure;
using Batch.Pipeline.Runs;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Batch.Host.Cli;

/// <summary>
/// How a failed verb reads: what failed and why on one line, what to do on the next. The whole exception, stack
/// trace included, goes to the error log (and to the terminal with <c>--verbose</c>).
/// </summary>
public static class CliErrors
{
    /// <summary>Where every CLI failure is written in full.</summary>
    public static string LogPath => Path.Combine(Path.GetTempPath(), "batch", "errors.log");

    /// <summary>Writes the failure for people, logs it in full, and returns the exit code (1).</summary>
    public static int Report(Exception error, bool verbose, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(output);
        var logged = Log(error);
        var (what, todo) = Describe(error);
        output.WriteLine($"batch: {what}");
        var trace = logged is null ? "" : verbose ? $"(also in {logged})" : $"(details: {logged}, or run again with --verbose)";
        output.WriteLine(string.IsNullOrEmpty(todo) ? trace : $"{todo} {trace}".TrimEnd());
        if (verbose) output.WriteLine(error.ToString());
        return 1;
    }

    /// <summary>The failure in words: what failed and why, then what to do (empty when the first says it).</summary>
    public static (string What, string ToDo) Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            OptionsValidationException o => ($"the configuration is invalid: {string.Join("; ", o.Failures)}", "Fix appsettings.json or the Batch__… environment variables."),
            PostgresException p when Unreachable(p) => ($"PostgreSQL went away ({p.MessageText})", "Check that the server is up (deploy/local-stack.sh status) and run the command again."),
            PostgresException p => ($"PostgreSQL refused a statement: {p.MessageText} ({p.SqlState})", ""),
            NpgsqlException n => ($"cannot reach PostgreSQL: {OneLine(n.Message)}{Inner(n)}", "Start it (deploy/local-stack.sh start) or fix Batch:ConnectionStrings:Postgres."),
            RequestFailedException r => ($"blob storage answered {r.Status} {r.ErrorCode}: {OneLine(r.Message)}", "Check Batch:ConnectionStrings:Blobs and Batch:BlobContainer."),
            FailureNotRecordedException f => (OneLine(f.Message), "Check that PostgreSQL is up (deploy/local-stack.sh status); the day can be re-run once the lease lapses."),
            AggregateException { InnerExceptions.Count: > 0 } a when a.InnerExceptions.All(e => e is RequestFailedException or HttpRequestException or IOException) =>
                ($"cannot reach blob storage: {OneLine(a.InnerExceptions[^1].Message)}", "Start it (deploy/local-stack.sh start) or fix Batch:ConnectionStrings:Blobs."),
            AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerExceptions[0]),
            OperationCanceledException => ("cancelled", ""),
            _ when error.GetType().Namespace?.StartsWith("Batch", StringComparison.Ordinal) == true
                || error is InvalidOperationException or KeyNotFoundException or FormatException or TimeoutException or InvalidDataException
                    or DirectoryNotFoundException or ArgumentException => (OneLine(error.Message), ""),
            _ => ($"{error.GetType().Name}: {OneLine(error.Message)}", ""),
        };
    }

    private static bool Unreachable(PostgresException p) => p.SqlState is "57P01" or "57P02" or "57P03" || p.SqlState.StartsWith("08", StringComparison.Ordinal);

    private static string Inner(Exception e) => e.InnerException is SocketException s ? $" ({s.SocketErrorCode})" : "";

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string? Log(Exception error)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(LogPath)!);
            File.AppendAllText(LogPath, $"{DateTimeOffset.Now:u} batch {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}{Environment.NewLine}{error}{Environment.NewLine}{Environment.NewLine}");
            return LogPath;
        }
        catch (IOException)
        {
            return null; // the terminal still gets the failure; --verbose prints the trace there
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
