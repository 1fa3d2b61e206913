using System.Diagnostics;
using System.Globalization;

namespace Batch.Lab.Benchmarks;

/// <summary>How a child process ended: exit code, wall seconds, the peak resident set (VmHWM) and what it printed.</summary>
public sealed record ChildRun(int ExitCode, double Seconds, long PeakRssBytes, string Output);

/// <summary>Runs one command of ours in a process of its own and watches its peak resident memory.</summary>
public static class ChildProcess
{
    public static async Task<ChildRun> RunAsync(
        string executable, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = new System.Text.StringBuilder();
        var lockObject = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lockObject) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (lockObject) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        try
        {
            while (!process.HasExited)
            {
                // VmHWM only grows, so the last reading before the exit is the peak, give or take the last interval.
                peak = Math.Max(peak, PeakRss(process.Id) ?? 0);
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        lock (lockObject) return new ChildRun(process.ExitCode, clock.Elapsed.TotalSeconds, peak, output.ToString());
    }

    /// <summary>The process's VmHWM from <c>/proc</c>, in bytes; null once it is gone.</summary>
    public static long? PeakRss(int pid)
    {
        string[] lines;
        try { lines = File.ReadAllLines($"/proc/{pid}/status"); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { return null; }
        return StatusValueBytes(lines, "VmHWM:");
    }

    /// <summary>A <c>/proc/…/status</c> line such as <c>VmHWM:   123456 kB</c>, in bytes.</summary>
    public static long? StatusValueBytes(IEnumerable<string> lines, string key)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var line = lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        if (line is null) return null;
        var parts = line[key.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || parts[1] != "kB") throw new FormatException($"Unexpected /proc status line '{line}'.");
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
    }
}
