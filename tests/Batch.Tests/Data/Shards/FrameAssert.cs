using Batch.Core.Frames;
using Xunit;

namespace Batch.Tests.Data.Shards;

/// <summary>Two frames hold the same rows: ids, days, labels, every categorical value (as text) and every number.</summary>
internal static class FrameAssert
{
    public static void Equal(DayFrame expected, DayFrame actual)
    {
        Assert.Equal(expected.FirstDay, actual.FirstDay);
        Assert.Equal(expected.LastDay, actual.LastDay);
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.DayOffsets, actual.DayOffsets);
        Assert.Equal(expected.Clicked, actual.Clicked);
        Assert.Equal(expected.Converted, actual.Converted);
        Assert.Equal(expected.Categorical.Select(c => c.Name), actual.Categorical.Select(c => c.Name));
        for (var c = 0; c < expected.Categorical.Count; c++)
        {
            // Codes too: a window read by days codes each value where one query would.
            Assert.Equal(expected.Categorical[c].Vocabulary, actual.Categorical[c].Vocabulary);
            Assert.Equal(expected.Categorical[c].Codes, actual.Categorical[c].Codes);
        }
        Assert.Equal(expected.Numeric.Select(c => c.Name), actual.Numeric.Select(c => c.Name));
        for (var n = 0; n < expected.Numeric.Count; n++) Assert.Equal(expected.Numeric[n].Values, actual.Numeric[n].Values);
    }
}
