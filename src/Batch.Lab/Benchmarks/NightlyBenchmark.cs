using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Batch.Pipeline.Ledger;
using Npgsql;

namespace Batch.Lab.Benchmarks;

/// <summary>
/// What <c>bench nightly</c> needs: our own executables (each size runs in processes of its own: the product's
/// <c>batch</c> migrates and runs the attempt, <c>batch-lab</c> seeds and measures the extraction), the server and blob
/// storage to make scratch databases and containers on, the model and day, and the impressions per day to try.
/// </summary>
public sealed record NightlySettings(
    string Product, string Lab, string Postgres, string Blobs, string Model, DateOnly Day, int TrainingDays, IReadOnlyList<int> Sizes, long WorldSeed);

/// <summary>One step of the measured attempt, as the scratch ledger timed it.</summary>
public sealed record NightlyStep(string Step, double Seconds);

/// <summary>One size: the attempt's steps and wall time, its extraction and training speed, and its peak RSS.</summary>
public sealed record NightlySize(
    int ImpressionsPerDay, long ExtractedRows, IReadOnlyList<NightlyStep> Steps, double TotalSeconds, double ExtractRowsPerSecond,
    double TrainSamplesPerSecond, long PeakRssBytes, string Outcome, ExtractionFigures Extraction);

/// <summary>The separate <c>bench extract</c> process at the same size: our extraction and the plain COPY, rows/s.</summary>
public sealed record ExtractionFigures(double ExtractRowsPerSecond, double CopyRowsPerSecond, double Ratio)
{
    /// <summary>Reads the <c>extract extract_ratio=… extract_rows_s=… copy_rows_s=…</c> line <c>bench extract</c> ends with.</summary>
    public static ExtractionFigures Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("extract ", StringComparison.Ordinal))
                   ?? throw new FormatException("bench extract printed no 'extract …' line.");
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        return new ExtractionFigures(values["extract_rows_s"], values["copy_rows_s"], values["extract_ratio"]);
    }
}

public sealed record NightlyResult(IReadOnlyList<NightlySize> Sizes)
{
    private NightlySize Largest => Sizes.MaxBy(s => s.ImpressionsPerDay)!;
    private NightlySize Smallest => Sizes.MinBy(s => s.ImpressionsPerDay)!;

    /// <summary>Our extraction over the plain COPY at the largest size.</summary>
    public double ExtractRatio => Largest.Extraction.Ratio;

    /// <summary>Peak RSS at the largest size over the smallest.</summary>
    public double RssGrowth => (double)Largest.PeakRssBytes / Smallest.PeakRssBytes;

    public double TotalSecondsLargest => Largest.TotalSeconds;
}

/// <summary>
/// <c>bench nightly</c>: per size, a scratch database seeded with the window and the held-out day, one nightly attempt
/// (<c>run</c>) in its own process with its peak RSS watched, and <c>bench extract</c> in another, all against the
/// same server; the scratch database and container are dropped afterwards.
/// </summary>
public static class NightlyBenchmark
{
    public static async Task<NightlyResult> RunAsync(NightlySettings settings, Action<string> say, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(say);
        if (settings.Sizes.Count == 0) throw new ArgumentException("bench nightly needs at least one size (--sizes).");
        foreach (var executable in new[] { settings.Product, settings.Lab })
            if (!File.Exists(executable))
                throw new FileNotFoundException($"bench nightly runs each size in processes of its own and needs the built executable at {executable}; build src/Batch.Lab first.");
        var sizes = new List<NightlySize>();
        foreach (var perDay in settings.Sizes.Order())
            sizes.Add(await MeasureAsync(settings, perDay, say, ct).ConfigureAwait(false));
        return new NightlyResult(sizes);
    }

    private static async Task<NightlySize> MeasureAsync(NightlySettings settings, int perDay, Action<string> say, CancellationToken ct)
    {
        var database = $"batch_nightly_{perDay}";
        var container = $"nightly-bench-{perDay}";
        var scratch = new NpgsqlConnectionStringBuilder(settings.Postgres) { Database = database }.ConnectionString;
        // A shard folder of the attempt's own, cold (as on a first night) and deleted with the scratch database.
        var shards = Path.Combine(Path.GetTempPath(), $"batch-nightly-shards-{perDay}-{Guid.NewGuid():N}");
        var environment = new Dictionary<string, string>
        {
            ["Batch__ConnectionStrings__Postgres"] = scratch,
            ["Batch__BlobContainer"] = container,
            ["Batch__ShardDirectory"] = shards,
        };
        await RecreateDatabaseAsync(settings.Postgres, database, create: true, ct).ConfigureAwait(false);
        try
        {
            var day = DataDaysText(settings.Day);
            say($"{perDay:N0} a day: seeding {settings.TrainingDays + 1} days into {database}");
            await ExpectAsync(settings.Product, ["migrate"], environment, ct).ConfigureAwait(false);
            await ExpectAsync(settings.Lab, ["seed", "--days", (settings.TrainingDays + 1).ToString(CultureInfo.InvariantCulture),
                "--impressions-per-day", perDay.ToString(CultureInfo.InvariantCulture), "--end-day", day,
                "--seed", settings.WorldSeed.ToString(CultureInfo.InvariantCulture)], environment, ct).ConfigureAwait(false);
            say($"{perDay:N0} a day: one nightly attempt of {settings.Model} for {day}");
            var run = await ExpectAsync(settings.Product, ["run", "--model", settings.Model, "--day", day], environment, ct).ConfigureAwait(false);
            say($"{perDay:N0} a day: bench extract");
            var extract = await ExpectAsync(settings.Lab, ["bench", "extract", "--model", settings.Model, "--day", day, "--rounds", "1"], environment, ct).ConfigureAwait(false);
            var (steps, outcome, rows, trainSamples) = await ReadLedgerAsync(scratch, settings.Model, settings.Day, ct).ConfigureAwait(false);
            var extractSeconds = steps.Single(s => s.Step == "extract").Seconds;
            var trainSeconds = steps.Single(s => s.Step == "train").Seconds;
            return new NightlySize(perDay, rows, steps, run.Seconds, rows / extractSeconds, trainSamples / trainSeconds, run.PeakRssBytes, outcome,
                ExtractionFigures.Parse(extract.Output));
        }
        finally
        {
            await RecreateDatabaseAsync(settings.Postgres, database, create: false, CancellationToken.None).ConfigureAwait(false);
            if (Directory.Exists(shards)) Directory.Delete(shards, recursive: true);
            await new BlobContainerClient(settings.Blobs, container).DeleteIfExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string DataDaysText(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static async Task<ChildRun> ExpectAsync(string executable, string[] arguments, Dictionary<string, string> environment, CancellationToken ct)
    {
        var run = await ChildProcess.RunAsync(executable, arguments, environment, ct).ConfigureAwait(false);
        if (run.ExitCode != 0)
            throw new InvalidOperationException($"`{Path.GetFileName(executable)} {string.Join(' ', arguments)}` exited with {run.ExitCode}; its output:\n{run.Output}");
        return run;
    }

    private static async Task RecreateDatabaseAsync(string postgres, string database, bool create, CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres", Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        // The name is ours (batch_nightly_<digits>), never the user's, so it is safe to splice.
        await using (var drop = new NpgsqlCommand($"drop database if exists {database} with (force)", connection))
            await drop.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        if (!create) return;
        await using var make = new NpgsqlCommand($"create database {database}", connection);
        await make.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<(IReadOnlyList<NightlyStep> Steps, string Outcome, long Rows, double TrainSamples)> ReadLedgerAsync(
        string scratch, string model, DateOnly day, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(scratch);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        const string Sql = """
            select r.status, s.step, extract(epoch from s.finished_at - s.started_at)::float8, s.detail::text
            from batch.runs r join batch.steps s on s.run_id = r.id
            where r.model = @model and r.data_day = @day
            order by s.ordinal
            """;
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("model", model);
        command.Parameters.AddWithValue("day", day);
        var steps = new List<NightlyStep>();
        string outcome = "";
        long rows = 0;
        double samples = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                outcome = reader.GetString(0);
                var step = reader.GetString(1);
                steps.Add(new NightlyStep(step, reader.GetDouble(2)));
                if (reader.IsDBNull(3)) continue;
                if (step == "extract")
                {
                    var detail = JsonSerializer.Deserialize<ExtractDetail>(reader.GetString(3), StepDetailJson.Options)!;
                    rows = detail.TrainRows + detail.HeldOutRows;
                }
                else if (step == "train")
                {
                    var detail = JsonSerializer.Deserialize<TrainDetail>(reader.GetString(3), StepDetailJson.Options)!;
                    samples = (double)detail.Rows * detail.Epochs.Count;
                }
            }
        }
        if (steps.Count == 0) throw new InvalidOperationException($"The scratch ledger has no run of {model} for {day:yyyy-MM-dd}.");
        return (steps, outcome, rows, samples);
    }
}
