namespace Batch.Lab.Synthetic;

/// <summary>
/// Users and items with latent factors, from which every impression's true click and conversion
/// probability follows. Same seed, same world, same impressions.
/// </summary>
public sealed class SyntheticWorld
{
    public const int LatentDim = 4;

    /// <summary>Slot positions run from 1 to this.</summary>
    public const int Slots = 10;
    public static readonly string[] Segments = ["new", "casual", "regular", "loyal"];
    public static readonly string[] Categories = ["fashion", "home", "electronics", "beauty", "sports", "toys", "books", "grocery"];
    public static readonly string[] Devices = ["mobile", "desktop", "tablet"];
    private static readonly double[] DeviceClickEffect = [0.15, -0.1, 0.0];
    private static readonly double[] DeviceConvertEffect = [-0.2, 0.35, 0.05];

    private readonly User[] _users;
    private readonly Item[] _items;
    private readonly double[] _userCumulative;

    // How much each user segment likes (clicks) and buys (converts) each item category.
    private readonly double[,] _clickAffinity;
    private readonly double[,] _buyAffinity;

    public SyntheticWorld(long seed, int users = 3000, int items = 600)
    {
        var random = new Random(unchecked((int)seed));
        _clickAffinity = new double[Segments.Length, Categories.Length];
        _buyAffinity = new double[Segments.Length, Categories.Length];
        for (var g = 0; g < Segments.Length; g++)
        {
            for (var c = 0; c < Categories.Length; c++)
            {
                _clickAffinity[g, c] = 0.6 * Gaussian(random);
                _buyAffinity[g, c] = 0.4 * _clickAffinity[g, c] + 0.5 * Gaussian(random);
            }
        }
        _users = Enumerable.Range(0, users).Select(_ => NewUser(random)).ToArray();
        _items = Enumerable.Range(0, items).Select(_ => NewItem(random)).ToArray();
        _userCumulative = new double[users];
        double total = 0;
        for (var u = 0; u < users; u++) { total += _users[u].Activity; _userCumulative[u] = total; }
        for (var u = 0; u < users; u++) _userCumulative[u] /= total;
    }

    public int UserCount => _users.Length;
    public int ItemCount => _items.Length;

    /// <summary>Draws one impression at <paramref name="localHour"/> (0–23) with its true probabilities.</summary>
    public SyntheticImpression Draw(Random random, int localHour)
    {
        ArgumentNullException.ThrowIfNull(random);
        var userIndex = Array.BinarySearch(_userCumulative, random.NextDouble());
        if (userIndex < 0) userIndex = Math.Min(~userIndex, _users.Length - 1);
        var user = _users[userIndex];
        var itemIndex = random.Next(_items.Length);
        var item = _items[itemIndex];
        var device = random.NextDouble() < user.DesktopShare ? 1 : (random.NextDouble() < 0.85 ? 0 : 2);
        var slot = 1 + Math.Min(Slots - 1, (int)(-Math.Log(1 - random.NextDouble()) * 3));

        // The latent user × item terms: inner products of factors no column shows.
        var clickLatent = 0.5 * Dot(user.Taste, item.Appeal);
        var convertLatent = 0.4 * Dot(user.Intent, item.Appeal);
        var clickRest = -3.3 + _clickAffinity[user.Segment, item.Category] + DeviceClickEffect[device]
                        - 0.2 * (slot - 1) + 0.3 * Math.Sin((localHour - 14) * Math.PI / 12) + item.Quality;
        var convertRest = -2.9 + _buyAffinity[user.Segment, item.Category]
                          + DeviceConvertEffect[device] - 0.8 * Math.Log(item.Price / 40.0) + 0.5 * Math.Log(user.Activity) + item.Quality;
        return new SyntheticImpression(
            UserId: 1 + userIndex, ItemId: 1 + itemIndex, Segment: Segments[user.Segment],
            Category: Categories[item.Category], Device: Devices[device], Hour: localHour, Slot: slot,
            Price: item.Price, UserActivity: user.Activity,
            PClick: Sigmoid(clickRest + clickLatent), PConvert: Sigmoid(convertRest + convertLatent),
            PClickWithoutLatent: Sigmoid(clickRest), PConvertWithoutLatent: Sigmoid(convertRest));
    }

    private static User NewUser(Random random)
    {
        var taste = Normal(random, LatentDim, 0.8);
        var intent = new double[LatentDim];
        for (var k = 0; k < LatentDim; k++) intent[k] = 0.6 * taste[k] + 0.5 * Gaussian(random);
        var activity = Math.Exp(0.6 * Gaussian(random));
        // The segment is an observable, noisy summary of activity.
        var segment = Math.Clamp((int)Math.Floor((Math.Log(activity) + 0.3 * Gaussian(random)) / 0.5 + 2), 0, 3);
        return new User(taste, intent, activity, segment, DesktopShare: 0.1 + 0.3 * random.NextDouble());
    }

    private static Item NewItem(Random random)
    {
        var appeal = Normal(random, LatentDim, 0.8);
        var category = random.Next(Categories.Length);
        var price = Math.Round(Math.Exp(3.2 + 0.3 * category / 2.0 + 0.5 * Gaussian(random)), 2);
        return new Item(appeal, category, price, Quality: 0.4 * Gaussian(random));
    }

    private static double[] Normal(Random random, int n, double scale)
    {
        var v = new double[n];
        for (var i = 0; i < n; i++) v[i] = scale * Gaussian(random);
        return v;
    }

    internal static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>The world's link: a logit to a probability.</summary>
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>A probability back to its logit.</summary>
    public static double Logit(double p) => Math.Log(p / (1 - p));

    private sealed record User(double[] Taste, double[] Intent, double Activity, int Segment, double DesktopShare);

    private sealed record Item(double[] Appeal, int Category, double Price, double Quality);
}

/// <summary>
/// One drawn impression; <c>PConvert</c> is the probability of a conversion given a click. The <c>WithoutLatent</c>
/// pair are the same probabilities without the latent user × item terms: the truth a model reaches at best if it
/// learns everything but the inner products of the hidden user and item factors.
/// </summary>
public sealed record SyntheticImpression(
    long UserId, long ItemId, string Segment, string Category, string Device, int Hour, int Slot,
    double Price, double UserActivity, double PClick, double PConvert, double PClickWithoutLatent, double PConvertWithoutLatent);
