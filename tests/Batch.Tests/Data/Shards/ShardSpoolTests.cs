using Batch.Data.Shards;
using Xunit;

namespace Batch.Tests.Data.Shards;

public sealed class ShardSpoolTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 3, 1);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "batch-spool-" + Guid.NewGuid().ToString("N")[..12]);

    public ShardSpoolTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void RowsSpooled_BecomeTheShard_AndTheSpoolsAreGone()
    {
        var path = Path.Combine(_directory, "day.shard");
        using (var spool = new ShardSpool(_directory, Day, ["device"], ["price"]))
        {
            spool.Row(7, 0, true, false);
            spool.ContentKey(-70);
            spool.Categorical(0, 1);
            spool.Numeric(0, 2.5);
            spool.Row(8, 0, false, false);
            spool.ContentKey(-80);
            spool.Categorical(0, -1);
            spool.Numeric(0, double.NaN);
            Assert.Equal(2, spool.Count);
            spool.Complete(path, "k", "f", [["web", "app"]]);
        }

        var day = DayShardFile.Read(path);
        Assert.Equal([7L, 8], day.Ids);
        using (var shard = DayShardFile.Open(path))
            Assert.Equal([-70L, -80], DayShardFile.ReadContentKeys(shard));
        Assert.Equal([true, false], day.Clicked);
        Assert.Equal(["web", "app"], day.Categorical[0].Vocabulary);
        Assert.Equal([1, -1], day.Categorical[0].Codes);
        Assert.Equal(2.5, day.Numeric[0].Values[0]);
        Assert.True(double.IsNaN(day.Numeric[0].Values[1]));
        Assert.Equal(["day.shard"], Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public void ASpoolNotCompleted_LeavesNothing_AndRefusesRowsOfAnotherDay()
    {
        using (var spool = new ShardSpool(_directory, Day, ["device"], []))
        {
            spool.Row(1, 0, true, true);
            spool.Categorical(0, 0);
            Assert.Throws<InvalidDataException>(() => spool.Row(2, 1, true, true));
        }
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void ARowWithoutEveryColumn_IsNotWrittenAsAShard()
    {
        var path = Path.Combine(_directory, "day.shard");
        using (var spool = new ShardSpool(_directory, Day, ["device"], []))
        {
            spool.Row(1, 0, true, true);
            spool.Categorical(0, 0); // no content key
            var e = Assert.Throws<InvalidOperationException>(() => spool.Complete(path, "k", "f", [["web"]]));
            Assert.Contains("every row needs every column", e.Message, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }
}
