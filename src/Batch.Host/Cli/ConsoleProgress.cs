using System.Diagnostics;
using System.Globalization;
using Batch.Pipeline.Ledger;
using Batch.Pipeline.Runs;

namespace Batch.Host.Cli;

/// <summary>
/// Progress of a run on the terminal: a bar redrawn in place when standard error is a terminal, plain lines at an
/// interval otherwise (CI, a log file). Written to standard error, so that standard output keeps only results.
/// </summary>
public sealed class ConsoleProgress(TextWriter output, bool interactive, TimeSpan every) : IRunObserver
{
    private const int Width = 30;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _last;
    private bool _drawn;

    /// <summary>For the terminal this process writes to.</summary>
    public static ConsoleProgress ForConsole() =>
        new(Console.Error, !Console.IsErrorRedirected, Console.IsErrorRedirected ? TimeSpan.FromSeconds(10) : TimeSpan.FromMilliseconds(200));

    public void StepStarted(RunRecord run, string stepName)
    {
        lock (output)
        {
            EndLine();
            _last = null;
        }
    }

    public void Progress(RunRecord run, RunProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        lock (output)
        {
            if (_last is { } last && _clock.Elapsed - last < every) return;
            _last = _clock.Elapsed;
            if (interactive)
            {
                output.Write("\r" + Describe(progress, bar: true) + "   ");
                _drawn = true;
            }
            else
            {
                output.WriteLine("progress: " + Describe(progress, bar: false));
            }
            output.Flush();
        }
    }

    public void WorkDone(RunRecord run, string stepName)
    {
        lock (output) EndLine();
    }

    /// <summary>One line: the step, epoch, share done (as a bar on a terminal), counts, rate and time left.</summary>
    public static string Describe(RunProgress p, bool bar)
    {
        ArgumentNullException.ThrowIfNull(p);
        var parts = new List<string> { p.Step };
        if (p.Epochs > 0) parts.Add(string.Create(C, $"epoch {p.Epoch}/{p.Epochs}"));
        if (p.Total > 0)
        {
            var share = Math.Clamp((double)p.Done / p.Total, 0, 1);
            var filled = (int)Math.Round(share * Width);
            parts.Add(bar ? $"[{new string('#', filled)}{new string('.', Width - filled)}] {share,4:P0}" : string.Create(C, $"{share:P0}"));
            parts.Add(string.Create(C, $"{p.Done:N0}/{p.Total:N0} {p.Unit}"));
        }
        else
        {
            parts.Add(string.Create(C, $"{p.Done:N0} {p.Unit}"));
        }
        parts.Add(string.Create(C, $"{p.Rate:N0} {p.Unit}/s"));
        if (p.Remaining is { } left) parts.Add($"ETA {left:m\\:ss}");
        return string.Join(", ", parts);
    }

    private void EndLine()
    {
        if (!_drawn) return;
        output.WriteLine();
        _drawn = false;
    }
}
