using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Batch.Lab.Benchmarks;

/// <summary>One load level: the Models page's latencies and failures, beside a static file of the same dashboard at the same level.</summary>
public sealed record DashboardRound(int Concurrency, int Requests, double P50Ms, double P99Ms, double MaxMs, int Errors, double ReferenceP99Ms)
{
    /// <summary>The page's p99 over the static file's: what the page costs beyond answering at all, on this machine.</summary>
    public double P99Ratio => P99Ms / Math.Max(ReferenceP99Ms, 0.001);
}

/// <summary>The rounds, and what the serving process logged meanwhile that points at starved connections.</summary>
public sealed record DashboardResult(IReadOnlyList<DashboardRound> Rounds, int ServerErrors, IReadOnlyList<string> ServerErrorLines);

/// <summary>
/// <c>bench dashboard</c>: <c>serve</c> in a process of its own (on a queue nobody enqueues to, so it takes no work), warmed
/// up, then per
/// concurrency a fixed number of loopback GETs of <c>/hangfire/models</c> with that many in flight, and the same of a
/// static file of the dashboard as the reference; latencies, failures (anything but 200, or no answer within the timeout),
/// and the serving process's own error lines (a starved connection pool, a failed heartbeat).
/// </summary>
public static class DashboardBenchmark
{
    public const string IdleQueue = "bench-idle";

    public static async Task<DashboardResult> RunAsync(
        string executable, int port, IReadOnlyList<int> concurrencies, int requests, TimeSpan timeout, Action<string> say, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(concurrencies);
        ArgumentNullException.ThrowIfNull(say);
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "serve", "--urls", $"http://127.0.0.1:{port}", "--queues", IdleQueue }) start.ArgumentList.Add(a);
        using var serve = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable} serve.");
        var log = new List<string>();
        void Keep(string? line)
        {
            if (line is null) return;
            lock (log) log.Add(line);
        }
        serve.OutputDataReceived += (_, e) => Keep(e.Data);
        serve.ErrorDataReceived += (_, e) => Keep(e.Data);
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            var root = new Uri($"http://127.0.0.1:{port}");
            await WaitUntilServingAsync(serve, root, log, ct).ConfigureAwait(false);
            // A warm-up, not measured: the first requests compile the page and open the pools.
            await LoadAsync(root, "/hangfire/models", 4, 40, timeout, ct).ConfigureAwait(false);
            var rounds = new List<DashboardRound>();
            foreach (var concurrency in concurrencies)
            {
                var reference = await LoadAsync(root, "/hangfire/models/assets/models.js", concurrency, requests, timeout, ct).ConfigureAwait(false);
                var page = await LoadAsync(root, "/hangfire/models", concurrency, requests, timeout, ct).ConfigureAwait(false);
                var round = new DashboardRound(concurrency, requests, Percentile(page.Latencies, 0.5), Percentile(page.Latencies, 0.99), page.Latencies.Max(),
                    page.Errors, Percentile(reference.Latencies, 0.99));
                say(string.Create(CultureInfo.InvariantCulture,
                    $"dashboard concurrency={round.Concurrency} requests={round.Requests} p50_ms={round.P50Ms:F0} p99_ms={round.P99Ms:F0} max_ms={round.MaxMs:F0} errors={round.Errors} reference_p99_ms={round.ReferenceP99Ms:F0} p99_ratio={round.P99Ratio:F1}{page.FirstError}"));
                rounds.Add(round);
            }
            List<string> errors;
            lock (log) errors = log.Where(IsServerError).ToList();
            return new DashboardResult(rounds, errors.Count, errors.Take(5).ToList());
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A line of the serving process that says connections ran out or a background duty failed.</summary>
    public static bool IsServerError(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)
            || line.Contains("pool has been exhausted", StringComparison.OrdinalIgnoreCase) || line.Contains("heartbeat", StringComparison.OrdinalIgnoreCase);
    }

    private static async Task WaitUntilServingAsync(Process serve, Uri root, List<string> log, CancellationToken ct)
    {
        using var probe = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (serve.HasExited)
            {
                lock (log) throw new InvalidOperationException($"serve exited with {serve.ExitCode} before answering:\n{string.Join('\n', log.TakeLast(20))}");
            }
            try
            {
                using var answer = await probe.GetAsync(new Uri("/hangfire/models", UriKind.Relative), ct).ConfigureAwait(false);
                if (answer.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // not answering yet
            }
            if (deadline.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("serve did not answer /hangfire/models within 3 minutes.");
            await Task.Delay(500, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What a round of requests gave: each one's milliseconds, how many failed, and the first failure (as the line prints it).</summary>
    public sealed record Load(double[] Latencies, int Errors, string FirstError);

    /// <summary><paramref name="requests"/> GETs of <paramref name="path"/>, <paramref name="concurrency"/> in flight at all times, each on a connection of its own.</summary>
    public static async Task<Load> LoadAsync(Uri root, string path, int concurrency, int requests, TimeSpan timeout, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        using var client = new HttpClient(handler) { BaseAddress = root, Timeout = timeout };
        var latencies = new double[requests];
        var errors = 0;
        string? first = null;
        var next = -1;
        async Task WorkAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var clock = Stopwatch.StartNew();
                string? error = null;
                try
                {
                    using var answer = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                    if (answer.StatusCode != HttpStatusCode.OK) error = $"{(int)answer.StatusCode} {answer.ReasonPhrase}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    error = e is TaskCanceledException ? $"no answer within {timeout.TotalSeconds:F0} s" : e.Message;
                }
                latencies[i] = clock.Elapsed.TotalMilliseconds;
                if (error is null) continue;
                Interlocked.Increment(ref errors);
                Interlocked.CompareExchange(ref first, error, null);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkAsync, ct))).ConfigureAwait(false);
        return new Load(latencies, errors, first is null ? "" : $" first_error=\"{first}\"");
    }

    /// <summary>The <paramref name="q"/> quantile of <paramref name="values"/> (nearest rank).</summary>
    public static double Percentile(IReadOnlyList<double> values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>The last line of <c>bench dashboard</c>: the largest concurrency's figures and the serving process's error count.</summary>
    public static string Summary(DashboardResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var top = result.Rounds.MaxBy(r => r.Concurrency)!;
        return string.Create(CultureInfo.InvariantCulture,
            $"dashboard concurrency_max={top.Concurrency} p99_ms={top.P99Ms:F0} errors={result.Rounds.Sum(r => r.Errors)} p99_ratio={top.P99Ratio:F1} server_errors={result.ServerErrors}");
    }
}
