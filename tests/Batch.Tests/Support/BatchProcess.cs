using System.Diagnostics;
using System.Text;

namespace Batch.Tests.Support;

/// <summary>The `batch` executable in a process of its own, configured by environment variables as an operator would.</summary>
public static class BatchProcess
{
    /// <summary>This build's `batch` executable, started in its output folder.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?> settings, StringBuilder? output = null, StringBuilder? error = null) =>
        StartCommand(Path.Combine(AppContext.BaseDirectory, "batch"), args, AppContext.BaseDirectory, settings, output, error);

    /// <summary>Any command (`dotnet run …` as the README types it) with the same settings and stream capture.</summary>
    public static Process StartCommand(string fileName, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string?> settings,
        StringBuilder? output = null, StringBuilder? error = null)
    {
        var start = new ProcessStartInfo(fileName, args)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // Locked on the builder, so that one builder may take both streams and a reader may lock it too.
    private static void Append(StringBuilder? to, string? line)
    {
        if (to is null || line is null) return;
        lock (to) to.AppendLine(line);
    }

    /// <summary>Runs to the end; the exit code and what it wrote to each stream.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?> settings)
    {
        var output = new StringBuilder();
        var error = new StringBuilder();
        using var process = Start(args, settings, output, error);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        process.WaitForExit(); // the redirected streams are drained
        return (process.ExitCode, output.ToString(), error.ToString());
    }

    /// <summary>The clone's root: the folder above this build that holds Batch.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Batch.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Batch.sln above {AppContext.BaseDirectory}.");
    }
}
