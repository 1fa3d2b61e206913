using Batch.Data.Extraction;
using Xunit;

namespace Batch.Tests.Data.Extraction;

public sealed class RowVersionsTests
{
    [Fact]
    public void NoRows_ReadAsTheDatabasesCoalescedZeroes() => Assert.Equal("0:0:0", new RowVersions().ToString());

    [Fact]
    public void Sums_AreExact_PastTheRangeOfInt64()
    {
        var rows = new RowVersions();
        rows.Add(1, 10);
        rows.Add(long.MaxValue, uint.MaxValue);
        rows.Add(-5, 0);
        // 1 + 9223372036854775807 − 5 and 10 + 4294967295 + 0, by hand.
        Assert.Equal("3:9223372036854775803:4294967305", rows.ToString());
    }
}
