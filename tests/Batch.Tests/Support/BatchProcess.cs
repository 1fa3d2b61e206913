using System.Diagnostics;
using System.Text;

namespace Batch.Tests.Support;

/// <summary>The `batch` executable of this build in a process of its own, configured by environment variables as an operator would.</summary>
public static class BatchProcess
{
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?> settings, StringBuilder? output = null, StringBuilder? error = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "batch"), args)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("batch did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (process) output?.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (process) error?.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
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
}
