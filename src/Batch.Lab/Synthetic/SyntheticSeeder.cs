using Npgsql;
using NpgsqlTypes;

namespace Batch.Lab.Synthetic;

/// <summary>What <see cref="SyntheticSeeder.SeedAsync"/> wrote (carts: the shop world's add-to-cart events, 0 in the default world).</summary>
public sealed record SeedSummary(DateOnly FirstDay, DateOnly LastDay, long Impressions, long Clicks, long Conversions)
{
    public long Carts { get; init; }
}

/// <summary>
/// Writes a synthetic world's impressions, conversions and truth for a range of days by binary COPY.
/// Re-seeding a day replaces it, so the same seed always leaves the same rows.
/// </summary>
public sealed class SyntheticSeeder(NpgsqlDataSource dataSource)
{
    private const long IdsPerDay = 100_000_000;

    /// <summary>
    /// The true click and conversion probability of every synthetic impression, with and without the world's latent
    /// user × item terms: the lab's table, created where it seeds, never by <c>batch migrate</c>. Never read as a
    /// feature: it exists so that a comparison can measure models against the truth.
    /// </summary>
    private const string TruthTable = """
        create table if not exists synthetic_truth (
            impression_id             bigint primary key,
            p_click                   double precision not null,
            p_convert                 double precision not null,
            p_click_without_latent    double precision,
            p_convert_without_latent  double precision
        );
        alter table synthetic_truth add column if not exists p_click_without_latent double precision, add column if not exists p_convert_without_latent double precision;
        """;

    /// <param name="shop">the shop world instead of the default one: clicks, then add-to-cart events (the carts table), then purchases (the conversions) with an order value</param>
    public async Task<SeedSummary> SeedAsync(
        DateOnly lastDay, int days, int impressionsPerDay, long seed, TimeZoneInfo zone, int conversionWindowDays,
        CancellationToken ct, ShopWorld? shop = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(impressionsPerDay, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(impressionsPerDay, (int)IdsPerDay);
        var firstDay = lastDay.AddDays(1 - days);
        var world = new SyntheticWorld(seed);

        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await CanonicalSource.EnsureAsync(connection, tx, ct).ConfigureAwait(false);
        await using (var truth = new NpgsqlCommand(TruthTable, connection, tx)) await truth.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await using (var partitions = new NpgsqlCommand("select ensure_day_partitions(@first, @last, @tz)", connection, tx))
        {
            partitions.Parameters.AddWithValue("first", firstDay);
            partitions.Parameters.AddWithValue("last", lastDay.AddDays(conversionWindowDays + 1));
            partitions.Parameters.AddWithValue("tz", zone.Id);
            await partitions.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        long impressions = 0, clicks = 0, conversions = 0, carts = 0;
        for (var day = firstDay; day <= lastDay; day = day.AddDays(1))
        {
            var baseId = day.DayNumber * IdsPerDay;
            await DeleteDayAsync(connection, baseId, ct).ConfigureAwait(false);
            var rows = Draw(world, new Random(DaySeed(seed, day)), day, baseId, impressionsPerDay, zone, conversionWindowDays, shop);
            await WriteAsync(connection, rows, ct).ConfigureAwait(false);
            impressions += rows.Count;
            clicks += rows.Count(r => r.Click);
            conversions += rows.Count(r => r.ConvertedAt is not null);
            carts += rows.Count(r => r.CartAt is not null);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return new SeedSummary(firstDay, lastDay, impressions, clicks, conversions) { Carts = carts };
    }

    /// <summary>
    /// One synthetic impression with its click and, if it converted, when and for how much (the item's price in the
    /// default world, the order value in the shop); in the shop, its add-to-cart event, and the true p(purchase | click).
    /// </summary>
    private sealed record Row(long Id, DateTimeOffset Time, SyntheticImpression Imp, bool Click, DateTimeOffset? ConvertedAt)
    {
        public DateTimeOffset? CartAt { get; init; }
        public double Value { get; init; } = Imp.Price;
        public double PConvert { get; init; } = Imp.PConvert;
        public double? PConvertWithoutLatent { get; init; } = Imp.PConvertWithoutLatent;
    }

    /// <summary>A day's impressions, drawn in the day's local hours (the hour clocks skip is never drawn).</summary>
    private static List<Row> Draw(SyntheticWorld world, Random random, DateOnly day, long baseId, int count, TimeZoneInfo zone, int conversionWindowDays, ShopWorld? shop)
    {
        var rows = new List<Row>(count);
        for (var i = 0; i < count; i++)
        {
            var localHour = DrawHour(random);
            var local = day.ToDateTime(new TimeOnly(localHour, 0)).AddSeconds(random.Next(3600));
            if (zone.IsInvalidTime(local)) { i--; continue; } // the hour skipped when clocks go forward
            var time = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, zone), TimeSpan.Zero);
            var imp = world.Draw(random, localHour);
            var click = random.NextDouble() < imp.PClick;
            if (shop is not null)
            {
                var funnel = shop.Funnel(random, imp, click, time, conversionWindowDays);
                rows.Add(new Row(baseId + i, time, imp, click, funnel.PurchasedAt)
                {
                    CartAt = funnel.CartAt, Value = funnel.OrderValue, PConvert = funnel.PPurchaseGivenClick, PConvertWithoutLatent = null,
                });
                continue;
            }
            DateTimeOffset? convertedAt = null;
            if (click && random.NextDouble() < imp.PConvert)
            {
                // Delay ~ exponential with a mean of 8 h, cut at the attribution window.
                var delayHours = Math.Min(-Math.Log(1 - random.NextDouble()) * 8, conversionWindowDays * 24.0 - 0.01);
                convertedAt = time.AddHours(Math.Max(delayHours, 0.01));
            }
            rows.Add(new Row(baseId + i, time, imp, click, convertedAt));
        }
        return rows;
    }

    /// <summary>The rows into impressions, conversions and the truth, each by binary COPY.</summary>
    private static async Task WriteAsync(NpgsqlConnection connection, List<Row> rows, CancellationToken ct)
    {
        await using (var writer = await connection.BeginBinaryImportAsync(
            "copy impressions (id, event_time, user_id, item_id, user_segment, item_category, device, hour_of_day, slot_position, price, user_activity, clicked) from stdin (format binary)", ct).ConfigureAwait(false))
        {
            foreach (var r in rows)
            {
                await writer.StartRowAsync(ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Id, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Time.UtcDateTime, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.UserId, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.ItemId, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.Segment, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.Category, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.Device, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                await writer.WriteAsync((short)r.Imp.Hour, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
                await writer.WriteAsync((short)r.Imp.Slot, NpgsqlDbType.Smallint, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.Price, NpgsqlDbType.Double, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Imp.UserActivity, NpgsqlDbType.Double, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Click, NpgsqlDbType.Boolean, ct).ConfigureAwait(false);
            }
            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            "copy conversions (conversion_id, impression_id, event_time, value) from stdin (format binary)", ct).ConfigureAwait(false))
        {
            foreach (var r in rows.Where(r => r.ConvertedAt is not null))
            {
                await writer.StartRowAsync(ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Id, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.Id, NpgsqlDbType.Bigint, ct).ConfigureAwait(false);
                await writer.WriteAsync(r.ConvertedAt!.Value.UtcDateTime, NpgsqlDbType.TimestampTz, ct).ConfigureAwait(false);
                await writer.WriteAsync(Math.Round((decimal)r.Value, 2), NpgsqlDbType.Numeric, ct).ConfigureAwait(false);
            }
            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }
        await using (var writer = await connection.BeginBinaryImportAsync("copy carts (cart_id, impression_id, event_time) from stdin (format binary)", ct).ConfigureAwait(false))
        {
            foreach (var r in rows.Where(r => r.CartAt is not null)) await writer.WriteRowAsync(ct, r.Id, r.Id, r.CartAt!.Value.UtcDateTime).ConfigureAwait(false);
            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }
        await using (var writer = await connection.BeginBinaryImportAsync(
            "copy synthetic_truth (impression_id, p_click, p_convert, p_click_without_latent, p_convert_without_latent) from stdin (format binary)", ct).ConfigureAwait(false))
        {
            foreach (var r in rows) await writer.WriteRowAsync(ct, r.Id, r.Imp.PClick, r.PConvert, r.Imp.PClickWithoutLatent, (object?)r.PConvertWithoutLatent ?? DBNull.Value).ConfigureAwait(false);
            await writer.CompleteAsync(ct).ConfigureAwait(false);
        }
    }

    private static async Task DeleteDayAsync(NpgsqlConnection connection, long baseId, CancellationToken ct)
    {
        foreach (var sql in new[]
                 {
                     "delete from conversions where impression_id >= @lo and impression_id < @hi",
                     "delete from carts where impression_id >= @lo and impression_id < @hi",
                     "delete from synthetic_truth where impression_id >= @lo and impression_id < @hi",
                     "delete from impressions where id >= @lo and id < @hi",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("lo", baseId);
            command.Parameters.AddWithValue("hi", baseId + IdsPerDay);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The seed of one day's draws. HashCode.Combine would differ from process to process (it is randomised per
    /// process); this SplitMix64 finaliser gives every process the same day seed.
    /// </summary>
    internal static int DaySeed(long seed, DateOnly day)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)day.DayNumber);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return unchecked((int)(z ^ (z >> 31)));
    }

    // Traffic peaks in the evening, dips at night.
    private static int DrawHour(Random random)
    {
        while (true)
        {
            var hour = random.Next(24);
            var weight = 0.35 + 0.65 * (0.5 + 0.5 * Math.Sin((hour - 14) * Math.PI / 12));
            if (random.NextDouble() < weight) return hour;
        }
    }
}
