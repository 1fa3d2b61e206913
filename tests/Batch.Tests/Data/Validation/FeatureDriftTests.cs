using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Data.Validation;
using Xunit;

namespace Batch.Tests.Data.Validation;

/// <summary>The population stability index against hand-computed values, and what it buckets.</summary>
public class FeatureDriftTests
{
    private static readonly FeatureOptions Features = new() { Categorical = ["device"], Numeric = ["price"] };

    private static DayFrame Frame(string?[] devices, double[] prices)
    {
        var vocabulary = devices.OfType<string>().Distinct().ToList();
        return new DayFrame
        {
            FirstDay = new DateOnly(2026, 1, 1),
            LastDay = new DateOnly(2026, 1, 1),
            Ids = devices.Select((_, i) => (long)i).ToArray(),
            DayOffsets = new short[devices.Length],
            Clicked = new bool[devices.Length],
            Converted = new bool[devices.Length],
            Categorical = [new CategoricalColumn("device", vocabulary, devices.Select(d => d is null ? -1 : vocabulary.IndexOf(d)).ToArray())],
            Numeric = [new NumericColumn("price", prices)],
        };
    }

    private static string?[] Devices(int phone, int tv, int nulls = 0, int watch = 0) =>
        [.. Enumerable.Repeat<string?>("phone", phone), .. Enumerable.Repeat<string?>("tv", tv), .. Enumerable.Repeat<string?>(null, nulls), .. Enumerable.Repeat<string?>("watch", watch)];

    [Fact]
    public void Psi_IsTheSumOfShareDifferencesTimesTheirLogRatios()
    {
        // (0.8 − 0.5)·ln(0.8/0.5) + (0.2 − 0.5)·ln(0.2/0.5), by hand.
        Assert.Equal(0.4158883083359672, FeatureDrift.Psi([50, 50], [80, 20]), 12);
        // An empty bucket counts as a share of 1e-4: (0.9 − 1)·ln(0.9) + (0.1 − 1e-4)·ln(0.1 / 1e-4).
        Assert.Equal(0.7006208039360982, FeatureDrift.Psi([100, 0], [90, 10]), 12);
        Assert.Equal(0, FeatureDrift.Psi([3, 7], [30, 70]), 15);
        Assert.Equal(0, FeatureDrift.Psi([0, 0], [1, 2]));
    }

    [Fact]
    public void Measure_BucketsValuesNullsAndDeciles_AndCountsUnseenValues()
    {
        var prices = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var window = Frame(Devices(phone: 50, tv: 50), prices);
        var heldOut = Frame(Devices(phone: 60, tv: 20, nulls: 10, watch: 10), prices);

        var shifts = FeatureDrift.Measure(() => [window], () => [heldOut], Features);

        // Buckets: phone, tv, (other values), (null); the window has neither of the last two.
        Assert.Equal(FeatureDrift.Psi([50, 50, 0, 0], [60, 20, 10, 10]), shifts[0].Psi, 12);
        Assert.Equal(0.1, shifts[0].UnseenShare, 12);
        // The largest terms first: a bucket the window lacks weighs most.
        Assert.Equal("(other values) 0.0 % → 10.0 %; (null) 0.0 % → 10.0 %; tv 50.0 % → 20.0 %", shifts[0].Movers);
        // The same numbers on both sides: no shift, whatever the buckets.
        Assert.Equal(("price", 0.0), (shifts[1].Feature, shifts[1].Psi));
    }

    [Fact]
    public void ANumberThatMovedUp_ShiftsIntoTheHeldOutDaysUpperDeciles()
    {
        var window = Frame(Devices(phone: 100, tv: 0), Enumerable.Range(0, 100).Select(i => (double)i).ToArray());
        var heldOut = Frame(Devices(phone: 100, tv: 0), Enumerable.Range(0, 100).Select(i => i + 50.0).ToArray());

        var price = FeatureDrift.Measure(() => [window], () => [heldOut], Features)[1];

        // The held-out day's deciles are 59, 69, …, 139 (from its own values 50…149): the window's values 0…99 fall 59 of
        // 100 below the first, then 10 in each of the next four, 1 in the fifth; the held-out day's 9 below, 10 in each, 11 above.
        Assert.True(price.Psi > 1, $"PSI {price.Psi}");
        Assert.StartsWith("< 59 59.0 % → 9.0 %", price.Movers, StringComparison.Ordinal);
        Assert.Equal(["feature-psi-price"], FeatureDrift.Findings([price], new DateOnly(2026, 1, 1), 0.25).Select(f => f.Check));
        Assert.Empty(FeatureDrift.Findings([price], new DateOnly(2026, 1, 1), price.Psi));
    }
}
