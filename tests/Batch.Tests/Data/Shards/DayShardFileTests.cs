using Batch.Core.Frames;
using Batch.Data.Shards;
using Xunit;

namespace Batch.Tests.Data.Shards;

public sealed class DayShardFileTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 3, 1);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "batch-shard-file-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static DayFrame Frame() => new()
    {
        FirstDay = Day,
        LastDay = Day,
        Ids = [10, 11, 12],
        DayOffsets = new short[3],
        Clicked = [true, false, true],
        Converted = [true, false, false],
        Categorical = [new CategoricalColumn("device", ["mobile", "déskτop"], [1, -1, 0]), new CategoricalColumn("user_id", ["7"], [0, 0, 0])],
        Numeric = [new NumericColumn("price", [1.5, double.NaN, -2])],
    };

    [Fact]
    public void Shard_ReadsBackExactlyTheDayWritten_WithItsKeyAndFingerprint()
    {
        var path = Path.Combine(_directory, "day.shard");
        DayShardFile.Write(path, "key-1", "fp-1", Frame());
        Assert.Equal(("key-1", "fp-1", Day, 3), DayShardFile.Header(path));
        FrameAssert.Equal(Frame(), DayShardFile.Read(path));
        Assert.Equal(["day.shard"], Directory.GetFiles(_directory).Select(Path.GetFileName)); // no temporary file left
    }

    [Fact]
    public void Chunks_AreTheDayInRowOrder_SharingItsVocabularies()
    {
        var path = Path.Combine(_directory, "day.shard");
        DayShardFile.Write(path, "key-1", "fp-1", Frame());
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
        var parts = DayShardFile.ReadChunks(stream, 2).ToList();

        Assert.Equal([2, 1], parts.Select(p => p.Count));
        Assert.Equal([10L, 11], parts[0].Ids);
        Assert.Equal([12L], parts[1].Ids);
        Assert.Equal([false], parts[1].Converted);
        Assert.Equal([1, -1], parts[0].Categorical[0].Codes);
        Assert.Equal(["mobile", "déskτop"], parts[1].Categorical[0].Vocabulary);
        Assert.Equal([0], parts[1].Categorical[0].Codes);
        Assert.Equal([-2.0], parts[1].Numeric[0].Values);
        Assert.True(double.IsNaN(parts[0].Numeric[0].Values[1]));
        Assert.All(parts, p => Assert.Equal((Day, Day), (p.FirstDay, p.LastDay)));
    }

    [Fact]
    public void CutShortOrForeignFiles_AreInvalidData()
    {
        var path = Path.Combine(_directory, "day.shard");
        DayShardFile.Write(path, "key-1", "fp-1", Frame());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        Assert.Contains("cut short", Assert.Throws<InvalidDataException>(() => DayShardFile.Read(path)).Message, StringComparison.Ordinal);
        File.WriteAllText(path, "not a shard");
        Assert.Throws<InvalidDataException>(() => DayShardFile.Header(path));
    }

    [Fact]
    public void AWindow_IsNotAShard()
    {
        var frame = Frame();
        var window = new DayFrame
        {
            FirstDay = Day, LastDay = Day.AddDays(1), Ids = frame.Ids, DayOffsets = frame.DayOffsets, Clicked = frame.Clicked, Converted = frame.Converted,
            Categorical = frame.Categorical, Numeric = frame.Numeric,
        };
        Assert.Throws<ArgumentException>(() => DayShardFile.Write(Path.Combine(_directory, "w.shard"), "k", "f", window));
    }
}
