using System.Globalization;

namespace Batch.Data.Extraction;

/// <summary>
/// Adds up rows as they are read: their number, the sum of their ids and the sum of their versions (xmin), written
/// exactly as PostgreSQL writes <c>count(*) || ':' || coalesce(sum(id), 0) || ':' || coalesce(sum(xmin::text::bigint), 0)</c>
/// over the same rows.
/// </summary>
public sealed class RowVersions
{
    private long _count;
    private Int128 _ids;
    private Int128 _versions;

    public void Add(long id, uint version)
    {
        _count++;
        _ids += id;
        _versions += version;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_count}:{_ids}:{_versions}");
}
