using System.Globalization;
using Batch.Core.Days;
using Npgsql;

namespace Batch.Data.Validation;

/// <summary>Whether a day's labels are final, judged against the database's clock.</summary>
/// <param name="FinalAt">the start of D + window + 1 in the business time zone: no conversion of D can arrive later</param>
/// <param name="DatabaseNow">the database's clock when it was asked</param>
public sealed record Maturity(DateOnly Day, DateTimeOffset FinalAt, DateTimeOffset DatabaseNow)
{
    public bool Mature => DatabaseNow >= FinalAt;
}

/// <summary>
/// The label-maturity rule: a day is trained and judged on only once its conversion window has closed, in the business
/// time zone, by the clock of the database (the primary, which holds the ledger) — not this machine's, whose clock may be off.
/// </summary>
public sealed class LabelMaturity(NpgsqlDataSource source)
{
    /// <summary>Asks the database for its clock and compares it with the instant the day's labels become final.</summary>
    public async Task<Maturity> CheckAsync(DateOnly day, TimeZoneInfo zone, int conversionWindowDays, CancellationToken ct)
    {
        await using var command = source.CreateCommand("select now()");
        var now = (DateTime)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        return new Maturity(day, DataDays.LabelsFinalAt(day, zone, conversionWindowDays), new DateTimeOffset(DateTime.SpecifyKind(now, DateTimeKind.Utc)));
    }

    /// <summary>Throws when the day is not mature; returns what was checked otherwise.</summary>
    /// <exception cref="LabelsNotMatureException">Names the day, when it may run and the flag for a deliberate exception.</exception>
    public async Task<Maturity> RequireAsync(string model, DateOnly day, TimeZoneInfo zone, int conversionWindowDays, CancellationToken ct)
    {
        var maturity = await CheckAsync(day, zone, conversionWindowDays, ct).ConfigureAwait(false);
        if (!maturity.Mature) throw new LabelsNotMatureException(model, maturity, zone, conversionWindowDays);
        return maturity;
    }
}

/// <summary>A day whose conversion window has not closed: its labels cannot be complete yet.</summary>
public sealed class LabelsNotMatureException(string model, Maturity maturity, TimeZoneInfo zone, int conversionWindowDays)
    : Exception(Describe(model, maturity, zone, conversionWindowDays))
{
    public Maturity Maturity { get; } = maturity;

    private static string Describe(string model, Maturity m, TimeZoneInfo zone, int window)
    {
        var c = CultureInfo.InvariantCulture;
        var local = TimeZoneInfo.ConvertTime(m.FinalAt, zone);
        var lastDay = m.Day.AddDays(window);
        return string.Create(c,
            $"Day {m.Day:yyyy-MM-dd} of {model} is not mature: its conversions can arrive until the end of {lastDay:yyyy-MM-dd} (Batch:ConversionWindowDays {window}, {zone.Id}), " +
            $"so its labels are final from {local:yyyy-MM-dd HH:mm} {zone.Id} ({m.FinalAt.UtcDateTime:yyyy-MM-dd HH:mm}Z); the database's clock says {m.DatabaseNow.UtcDateTime:yyyy-MM-dd HH:mm}Z. " +
            $"Nothing was read. Run the day from then on, or, as a deliberate exception recorded on the run, with --allow-immature-labels.");
    }
}
