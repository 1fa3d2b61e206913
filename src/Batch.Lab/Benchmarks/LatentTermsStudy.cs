using System.Globalization;
using Batch.Lab.Synthetic;
using Batch.Evaluation;

namespace Batch.Lab.Benchmarks;

/// <summary>
/// Sizes and training of the study. The defaults are the best of those tried on 1.8 million impressions (η 0.01–0.2,
/// λ 0.0001–0.01, starts ±0.25 to ±1, rank 4 or 8): a small step or a small start leaves the factors on the saddle at
/// zero for many epochs, which reads as "nothing to learn" when it is an optimiser that has not started.
/// </summary>
/// <param name="Rank">factors per user and per item; the world's own rank by default</param>
/// <param name="Scale">the factors start uniform in ±Scale/2</param>
public sealed record LatentTermsSettings(
    long WorldSeed = 7, int TestImpressions = 300_000, int Epochs = 10, int Rank = SyntheticWorld.LatentDim,
    double LearningRate = 0.1, double L2 = 0.003, double Scale = 2, long Seed = 1)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>What makes these settings unusable, each as the option a user would change.</summary>
    public IEnumerable<string> Problems()
    {
        if (Epochs < 1) yield return string.Create(C, $"--epochs must be at least 1 (it is {Epochs})");
        if (Rank < 1) yield return string.Create(C, $"--rank must be at least 1 (it is {Rank})");
        if (!(LearningRate > 0)) yield return string.Create(C, $"--learning-rate must be positive (it is {LearningRate})");
        if (!(L2 >= 0)) yield return string.Create(C, $"--l2 must not be negative (it is {L2})");
        if (!(Scale >= 0)) yield return string.Create(C, $"--scale must not be negative (it is {Scale})");
        if (TestImpressions < 1) yield return string.Create(C, $"the held-out impressions must be at least 1 (it is {TestImpressions})");
    }
}

/// <summary>The held-out click AUC and logloss after one epoch of the factorisation.</summary>
public sealed record LatentTermsEpoch(int Impressions, int Epoch, double Auc, double LogLoss);

/// <summary>The world's size, the truth on the held-out impressions with and without the latent term, and every epoch.</summary>
public sealed record LatentTermsResult(
    int Users, int Items, Batch.Core.Results.TaskMetrics Truth, Batch.Core.Results.TaskMetrics WithoutLatent, IReadOnlyList<LatentTermsEpoch> Epochs);

/// <summary>
/// How much of the synthetic world's latent click term — the inner product of hidden user and item factors — can be
/// learned from a given number of impressions, when everything else is known: a factorisation p = σ(o + uᵤ·vᵢ) trained
/// by SGD on logloss, where the offset o is the truth's click logit without the latent term. No model in the project
/// is told o; this is the easiest form of the problem, so what it cannot learn from N impressions, they cannot either.
/// </summary>
public static class LatentTermsStudy
{
    /// <summary>
    /// Draws the held-out impressions once, measures the truth on them with and without the latent term, then trains a
    /// factorisation on each number of impressions, drawn afresh, and measures it on them after every epoch.
    /// </summary>
    public static LatentTermsResult Run(IReadOnlyList<int> impressions, LatentTermsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(impressions);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = settings.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        var world = new SyntheticWorld(settings.WorldSeed);
        var random = new Random(unchecked((int)settings.Seed));
        var test = Draw(world, settings.TestImpressions, random);
        var labels = test.Select(t => t.Clicked).ToArray();
        var truth = TaskEvaluator.Evaluate("ctr", test.Select(t => (float)t.Truth).ToArray(), labels);
        var withoutLatent = TaskEvaluator.Evaluate("ctr", test.Select(t => (float)SyntheticWorld.Sigmoid(t.Offset)).ToArray(), labels);
        var epochs = new List<LatentTermsEpoch>();
        foreach (var n in impressions)
        {
            var train = Draw(world, n, random);
            var model = new LatentFactorisation(world.UserCount, world.ItemCount, settings.Rank, settings.Scale, new Random(unchecked((int)settings.Seed) + n));
            var order = Enumerable.Range(0, n).ToArray();
            for (var epoch = 1; epoch <= settings.Epochs; epoch++)
            {
                random.Shuffle(order);
                foreach (var k in order)
                {
                    var d = train[k];
                    model.Step(d.User, d.Item, d.Offset, d.Clicked, settings.LearningRate, settings.L2);
                }
                var metrics = TaskEvaluator.Evaluate("ctr", test.Select(t => (float)model.Predict(t.User, t.Item, t.Offset)).ToArray(), labels);
                epochs.Add(new LatentTermsEpoch(n, epoch, metrics.Auc, metrics.LogLoss));
            }
        }
        return new LatentTermsResult(world.UserCount, world.ItemCount, truth, withoutLatent, epochs);
    }

    private readonly record struct Drawn(int User, int Item, double Offset, double Truth, bool Clicked);

    private static Drawn[] Draw(SyntheticWorld world, int n, Random random)
    {
        var drawn = new Drawn[n];
        for (var k = 0; k < n; k++)
        {
            var i = world.Draw(random, random.Next(24));
            drawn[k] = new Drawn((int)i.UserId - 1, (int)i.ItemId - 1, SyntheticWorld.Logit(i.PClickWithoutLatent), i.PClick, random.NextDouble() < i.PClick);
        }
        return drawn;
    }
}
