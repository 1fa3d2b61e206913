using Npgsql;

namespace Batch.Data.Synthetic;

/// <summary>
/// The true click and conversion probabilities of synthetic impressions, from <c>synthetic_truth</c>: the
/// oracle a model's ranking is measured against. Real data has none.
/// </summary>
public sealed class SyntheticTruth(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// p(click) and p(convert | click) of every impression of <paramref name="ids"/>, in that order; null when any of
    /// them has no truth (real data, or a table with rows of another origin).
    /// </summary>
    public async Task<(double[] Click, double[] Convert)?> ReadAsync(long[] ids, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var command = dataSource.CreateCommand(
            """
            select t.p_click, t.p_convert
            from unnest(@ids) with ordinality as i(id, position)
            left join synthetic_truth t on t.impression_id = i.id
            order by i.position
            """);
        command.Parameters.AddWithValue("ids", ids);
        var click = new double[ids.Length];
        var convert = new double[ids.Length];
        var row = 0;
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            if (reader.IsDBNull(0)) return null;
            click[row] = reader.GetDouble(0);
            convert[row] = reader.GetDouble(1);
            row++;
        }
        return row == ids.Length ? (click, convert) : null;
    }
}
