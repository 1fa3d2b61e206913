using Batch.Lab.Synthetic;
using Xunit;

namespace Batch.Tests.Lab.Synthetic;

/// <summary>The shop world's funnel: its steps in order and within the window, its true probabilities by hand, and the correlation knob.</summary>
public sealed class ShopWorldTests
{
    private static readonly DateTimeOffset Shown = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static SyntheticImpression Impression(double pClick, double pConvert, int slot = 2) =>
        new(1, 1, "new", "books", "mobile", 12, slot, 25, 1, pClick, pConvert, pClick, pConvert);

    [Fact]
    public void TheTrueProbabilities_AreTheDocumentedLogits()
    {
        var impression = Impression(SyntheticWorld.Sigmoid(-2.0), SyntheticWorld.Sigmoid(-1.6));
        // Click deviation −2.0 + 3.0 = 1.0; buying deviation −1.6 + 2.6 = 1.0; slot 2 is in the top three (+0.5).
        foreach (var rho in new[] { 0.0, 0.5, 1.0 })
        {
            var funnel = new ShopWorld(rho).Funnel(new Random(1), impression, clicked: false, Shown, 7);
            Assert.Equal(SyntheticWorld.Sigmoid(-0.9 + rho * 1.0 + (1 - rho) * 1.0), funnel.PCartGivenClick, 12);
            Assert.Equal(SyntheticWorld.Sigmoid(-0.4 + rho * 1.0 + (1 - rho) * 1.5), funnel.PPurchaseGivenCart, 12);
            Assert.Equal(funnel.PCartGivenClick * funnel.PPurchaseGivenCart, funnel.PPurchaseGivenClick, 15);
        }
    }

    [Fact]
    public void NoCartWithoutAClick_NoPurchaseWithoutACart_AndEachWithinTheWindowInOrder()
    {
        var random = new Random(3);
        var world = new ShopWorld(0.5);
        var (carts, purchases) = (0, 0);
        for (var i = 0; i < 20_000; i++)
        {
            var clicked = random.NextDouble() < 0.5;
            var f = world.Funnel(random, Impression(0.2, 0.6), clicked, Shown, 2);
            if (!clicked) Assert.Null(f.CartAt);
            if (f.CartAt is null) Assert.Null(f.PurchasedAt);
            if (f.PurchasedAt is null) { Assert.Equal(0, f.OrderValue); continue; }
            Assert.True(Shown < f.CartAt && f.CartAt < f.PurchasedAt && f.PurchasedAt < Shown.AddDays(2));
            Assert.True(f.OrderValue >= 25 && f.OrderValue % 25 == 0, $"{f.OrderValue}: the price times a quantity");
            purchases++;
        }
        for (var i = 0; i < 20_000; i++) carts += world.Funnel(random, Impression(0.2, 0.6), true, Shown, 2).CartAt is null ? 0 : 1;
        var p = world.Funnel(random, Impression(0.2, 0.6), true, Shown, 2);
        Assert.InRange(carts / 20_000.0, p.PCartGivenClick - 0.015, p.PCartGivenClick + 0.015);
        Assert.InRange(purchases / 10_000.0, p.PPurchaseGivenClick - 0.03, p.PPurchaseGivenClick + 0.03);
    }

    [Fact]
    public void TheKnob_SetsHowMuchTheCartFollowsTheClick()
    {
        double Spread(double rho) =>
            new ShopWorld(rho).Funnel(new Random(1), Impression(0.3, 0.5), false, Shown, 7).PCartGivenClick
            - new ShopWorld(rho).Funnel(new Random(1), Impression(0.01, 0.5), false, Shown, 7).PCartGivenClick;

        // Two impressions alike but for the click: the cart follows the click with the knob, not at all without it.
        Assert.Equal(0, Spread(0), 12);
        Assert.True(Spread(0.5) > 0 && Spread(1) > Spread(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShopWorld(1.5).Funnel(new Random(1), Impression(0.3, 0.5), false, Shown, 7));
    }
}
