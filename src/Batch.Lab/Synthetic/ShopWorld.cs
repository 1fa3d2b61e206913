namespace Batch.Lab.Synthetic;

/// <summary>What a shop impression led to: its add-to-cart event and purchase (when they happened), the order value, and the true probabilities.</summary>
public sealed record ShopFunnel(DateTimeOffset? CartAt, DateTimeOffset? PurchasedAt, double OrderValue, double PCartGivenClick, double PPurchaseGivenCart)
{
    /// <summary>The true probability of a purchase given a click: p(cart | click) · p(purchase | cart).</summary>
    public double PPurchaseGivenClick => PCartGivenClick * PPurchaseGivenCart;
}

/// <summary>
/// The shop world: the default world's impressions and clicks, then a funnel — a clicked impression is added to the
/// cart, a cart is bought, a purchase has an order value (the price times a quantity of 1 or more). Each step's true
/// probability is known. <see cref="Correlation"/> is the MMoE study's knob: how much the cart and purchase logits share
/// with the click logit (0: nothing, only the world's own buying signal; 1: the click logit alone).
/// </summary>
public sealed record ShopWorld
{
    /// <param name="correlation">in [0, 1]; the share of the click logit in the cart and purchase logits</param>
    public ShopWorld(double correlation = 0.5)
    {
        if (correlation is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(correlation), $"The shop's correlation {correlation} is not within [0, 1].");
        Correlation = correlation;
    }

    public double Correlation { get; }

    /// <summary>A clicked impression's funnel; nothing for an impression not clicked (the draws are made either way, so a knob changes no click).</summary>
    public ShopFunnel Funnel(Random random, SyntheticImpression impression, bool clicked, DateTimeOffset shownAt, int conversionWindowDays)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(impression);
        // Both signals centred near 0 on this world's impressions: the click logit's and the buying logit's deviations.
        var click = SyntheticWorld.Logit(impression.PClick) + 3.0;
        var buy = SyntheticWorld.Logit(impression.PConvert) + 2.6;
        var pCart = SyntheticWorld.Sigmoid(-0.9 + Correlation * click + (1 - Correlation) * buy);
        var pPurchase = SyntheticWorld.Sigmoid(-0.4 + Correlation * click + (1 - Correlation) * (buy + 0.5 * (impression.Slot <= 3 ? 1 : -1)));
        var (cartDraw, purchaseDraw, quantityDraw) = (random.NextDouble(), random.NextDouble(), random.NextDouble());
        var (cartDelay, purchaseDelay) = (-Math.Log(1 - random.NextDouble()), -Math.Log(1 - random.NextDouble()));
        var quantity = 1 + (int)Math.Floor(-Math.Log(1 - quantityDraw) * 0.6); // 1, sometimes more
        if (!clicked || cartDraw >= pCart) return new ShopFunnel(null, null, 0, pCart, pPurchase);
        var limit = conversionWindowDays * 24.0 - 0.02;
        // Carts come within about an hour of the click, purchases about six hours after the cart, both inside the window.
        var cartAt = shownAt.AddHours(Math.Clamp(cartDelay, 0.01, limit / 2));
        if (purchaseDraw >= pPurchase) return new ShopFunnel(cartAt, null, 0, pCart, pPurchase);
        var purchasedAt = cartAt.AddHours(Math.Clamp(purchaseDelay * 6, 0.01, limit / 2));
        return new ShopFunnel(cartAt, purchasedAt, Math.Round(impression.Price * quantity, 2), pCart, pPurchase);
    }
}
