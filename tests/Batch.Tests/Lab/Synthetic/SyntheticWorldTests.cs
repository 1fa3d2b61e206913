using Batch.Lab.Synthetic;
using Xunit;

namespace Batch.Tests.Lab.Synthetic;

public sealed class SyntheticWorldTests
{
    private static double Logit(double p) => SyntheticWorld.Logit(p);

    private static List<SyntheticImpression> Draw(int n)
    {
        var world = new SyntheticWorld(seed: 7);
        var random = new Random(3);
        return Enumerable.Range(0, n).Select(i => world.Draw(random, i % 24)).ToList();
    }

    [Fact]
    public void TheLatentTerms_AreOneNumberPerUserAndItem_AndTheOnlyDifference()
    {
        var draws = Draw(60_000);
        var latent = draws.Select(d => (d.UserId, d.ItemId,
            Click: Logit(d.PClick) - Logit(d.PClickWithoutLatent), Convert: Logit(d.PConvert) - Logit(d.PConvertWithoutLatent))).ToList();
        // The same user and item: the same latent terms, whatever the device, slot and hour.
        var repeated = latent.GroupBy(l => (l.UserId, l.ItemId)).Where(g => g.Count() > 1).ToList();
        Assert.True(repeated.Count > 100, $"only {repeated.Count} repeated user-item pairs");
        foreach (var pair in repeated)
        {
            Assert.All(pair, l => Assert.Equal(pair.First().Click, l.Click, 9));
            Assert.All(pair, l => Assert.Equal(pair.First().Convert, l.Convert, 9));
        }
        // Across pairs they vary: 0.5 taste·appeal has mean 0 and sd 0.5·√(4·0.8²·0.8²) = 0.64.
        var click = latent.Select(l => l.Click).ToList();
        var mean = click.Average();
        var sd = Math.Sqrt(click.Sum(x => (x - mean) * (x - mean)) / (click.Count - 1));
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(sd, 0.5, 0.8);
    }

    [Fact]
    public void WithoutTheLatentTerms_TheSlotEffectIsStillThere()
    {
        // Same user, item, device and hour, another slot: the click logit without the latent terms moves by −0.2 a slot.
        var draws = Draw(200_000);
        var groups = draws.GroupBy(d => (d.UserId, d.ItemId, d.Device, d.Hour)).Where(g => g.Select(d => d.Slot).Distinct().Count() > 1).ToList();
        Assert.NotEmpty(groups);
        foreach (var g in groups)
        {
            var (a, b) = (g.First(), g.First(d => d.Slot != g.First().Slot));
            Assert.Equal(-0.2 * (b.Slot - a.Slot), Logit(b.PClickWithoutLatent) - Logit(a.PClickWithoutLatent), 9);
            Assert.Equal(Logit(a.PConvertWithoutLatent), Logit(b.PConvertWithoutLatent), 9);
        }
    }
}
