namespace Batch.Data.Extraction;

/// <summary>
/// Where <see cref="DayExtractor"/> puts the rows it reads, value by value in row order: a frame in memory
/// (<see cref="FrameRows"/>) or a shard spooled to disk (<see cref="Shards.ShardSpool"/>).
/// </summary>
public interface IExtractedRows
{
    /// <summary>A new row: its id, data day (days after the first), clicked and converted. Its further labels, content key, categorical codes and numbers follow.</summary>
    void Row(long id, short dayOffset, bool clicked, bool converted);

    /// <summary>The row's value of label <paramref name="label"/> (among the further labels the source reads): 0/1, or a regression's value.</summary>
    void Label(int label, float value);

    /// <summary>
    /// The row's content key: a 64-bit hash of its event time and every feature column, computed by the database. Two
    /// rows alike in all of those (a day loaded twice under new ids) share it.
    /// </summary>
    void ContentKey(long key);

    /// <summary>The row's code of categorical column <paramref name="column"/> (an index into that column's vocabulary), −1 for null.</summary>
    void Categorical(int column, int code);

    /// <summary>The row's value of numeric column <paramref name="column"/>, NaN for null.</summary>
    void Numeric(int column, double value);
}
