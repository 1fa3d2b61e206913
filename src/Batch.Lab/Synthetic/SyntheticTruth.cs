using Npgsql;

namespace Batch.Lab.Synthetic;

/// <summary>
/// The true click and conversion probabilities of synthetic impressions, from <c>synthetic_truth</c>: the
/// oracle a model's ranking is measured against. Real data has none.
/// </summary>
public sealed class SyntheticTruth(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// p(click) and p(convert | click) of every impression of <paramref name="ids"/>, in that order, and the same
    /// without the world's latent user × item terms (null when any row was seeded before those were stored); null
    /// when any of them has no truth (real data, a database never seeded, or a table with rows of another origin).
    /// </summary>
    public async Task<SyntheticProbabilities?> ReadAsync(long[] ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using (var exists = dataSource.CreateCommand("select to_regclass('synthetic_truth') is not null"))
            if (!(bool)(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false))!) return null; // never seeded here
        await using var command = dataSource.CreateCommand(
            """
            select t.p_click, t.p_convert, t.p_click_without_latent, t.p_convert_without_latent
            from unnest(@ids) with ordinality as i(id, position)
            left join synthetic_truth t on t.impression_id = i.id
            order by i.position
            """);
        command.Parameters.AddWithValue("ids", ids);
        var click = new double[ids.Length];
        var convert = new double[ids.Length];
        var clickWithout = new double[ids.Length];
        var convertWithout = new double[ids.Length];
        var complete = true;
        var row = 0;
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            if (reader.IsDBNull(0)) return null;
            click[row] = reader.GetDouble(0);
            convert[row] = reader.GetDouble(1);
            if (reader.IsDBNull(2) || reader.IsDBNull(3)) complete = false;
            else
            {
                clickWithout[row] = reader.GetDouble(2);
                convertWithout[row] = reader.GetDouble(3);
            }
            row++;
        }
        if (row != ids.Length) return null;
        return new SyntheticProbabilities(click, convert, complete ? clickWithout : null, complete ? convertWithout : null);
    }
}

/// <summary>
/// Per impression, p(click) and p(convert | click); <c>WithoutLatent</c>: the same without the latent user × item
/// terms, or null where the rows predate them.
/// </summary>
public sealed record SyntheticProbabilities(double[] Click, double[] Convert, double[]? ClickWithoutLatent, double[]? ConvertWithoutLatent);
