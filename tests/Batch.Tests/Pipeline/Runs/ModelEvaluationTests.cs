using Batch.Core.Frames;
using Batch.Evaluation;
using Batch.Pipeline.Runs;
using Batch.Tests.Modeling;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Pipeline.Runs;

/// <summary>A day scored in parts gives the scores, labels and gate usage of the day scored whole.</summary>
[Collection(TorchGroup.Name)]
public sealed class ModelEvaluationTests
{
    [Fact]
    public void ScoringInParts_IsScoringTheWholeDay()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(300);
        using var model = Batch.Modeling.Training.MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 3);
        var (whole, wholeDiagnostics) = ModelEvaluation.Score(model, frame);
        var parts = new[] { (0, 100), (100, 1), (101, 199) }.Select(p => Part(frame, p.Item1, p.Item2));
        var (inParts, partDiagnostics) = ModelEvaluation.Score(model, parts);

        Assert.Equal(whole.Select(s => s.Task), inParts.Select(s => s.Task));
        for (var t = 0; t < whole.Count; t++)
        {
            // Equal up to float rounding: a batch of other rows may round a row's matrix products differently in the
            // last bit (the pipeline's parts are whole scorer batches, so there they match exactly).
            Assert.Equal(whole[t].Probabilities.Length, inParts[t].Probabilities.Length);
            for (var i = 0; i < whole[t].Probabilities.Length; i++) Assert.Equal(whole[t].Probabilities[i], inParts[t].Probabilities[i], 1e-6f);
            Assert.Equal(whole[t].Labels, inParts[t].Labels);
        }
        Assert.Equal(frame.Clicked.Count(c => c), whole.Single(s => s.Task == "cvr").Labels.Length);
        Assert.Equal(wholeDiagnostics.MeanGateWeights.Keys, partDiagnostics.MeanGateWeights.Keys);
        foreach (var (gate, means) in wholeDiagnostics.MeanGateWeights)
            for (var e = 0; e < means.Count; e++) Assert.Equal(means[e], partDiagnostics.MeanGateWeights[gate][e], 6);
    }

    [Fact]
    public void AChainOfThree_IsMeasuredTaskByTaskAmongItsParentsEvents_AndEachProductOverEveryImpression()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(400);
        var tasks = ModelingFixtures.ShopTasks(value: false);
        using var model = Batch.Modeling.Training.MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 3, tasks);
        var encoded = ModelingFixtures.ShopEncoded(frame, encoders, value: false);
        var (scores, _) = ModelEvaluation.Score(model, encoded);
        Assert.Equal(["ctr", "cart", "purchase", "ctr_cart", "ctr_cart_purchase"], scores.Select(s => s.Task));

        var p = Batch.Modeling.Training.Scorer.Predict(model, encoded);
        var all = Enumerable.Range(0, frame.Count).ToArray();
        var clicked = all.Where(i => frame.Clicked[i]).ToArray();
        var carted = all.Where(i => ModelingFixtures.ShopCart(frame, i)).ToArray();
        (string Task, int[] Rows, Func<int, bool> Label)[] expected =
        [
            ("ctr", all, i => frame.Clicked[i]),
            ("cart", clicked, i => ModelingFixtures.ShopCart(frame, i)),
            ("purchase", carted, i => frame.Converted[i]),
            ("ctr_cart", all, i => ModelingFixtures.ShopCart(frame, i)),
            ("ctr_cart_purchase", all, i => frame.Converted[i]),
        ];
        foreach (var (task, rows, label) in expected)
        {
            var s = scores.Single(x => x.Task == task);
            Assert.Equal(rows.Select(label), s.Labels);
            Assert.Equal(rows.Select(i => p[task][i]), s.Probabilities);
        }
        Assert.True(carted.Length < clicked.Length && clicked.Length < all.Length && carted.Any(i => frame.Converted[i]));
    }

    [Fact]
    public void ARegressionTask_IsMeasuredByRmseAndMae_OfItsValue_OverEveryImpression()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(50);
        using var model = Batch.Modeling.Training.MultiTaskModel.Create(encoders, ModelingFixtures.Ple(), CPU, seed: 3, ModelingFixtures.ShopTasks());
        var encoded = ModelingFixtures.ShopEncoded(frame, encoders);

        var (scores, _) = ModelEvaluation.Score(model, encoded);
        var metrics = ModelEvaluation.Measure(scores);

        var value = Assert.Single(scores, s => s.Task == "value");
        var price = frame.Numeric.Single(c => c.Name == "price").Values;
        // The true values are the labels' (the price of a purchase, else 0), through log1p and back.
        Assert.Equal(frame.Count, value.Values!.Length);
        for (var i = 0; i < frame.Count; i++) Assert.Equal(frame.Converted[i] ? price[i] : 0, value.Values[i], 1e-4 * (1 + price[i]));
        var predicted = Batch.Modeling.Training.Scorer.Predict(model, encoded)["value"];
        Assert.Equal(predicted, value.Probabilities);
        var measured = Assert.Single(metrics, m => m.Task == "value");
        Assert.Equal(Metrics.Rmse(predicted, value.Values), measured.Rmse!.Value, 12);
        Assert.Equal(Metrics.Mae(predicted, value.Values), measured.Mae!.Value, 12);
        Assert.True(double.IsNaN(measured.Auc));
    }

    private static DayFrame Part(DayFrame frame, int start, int count)
    {
        T[] Slice<T>(T[] values) => values.AsSpan(start, count).ToArray();
        return new DayFrame
        {
            FirstDay = frame.FirstDay,
            LastDay = frame.LastDay,
            Ids = Slice(frame.Ids),
            DayOffsets = Slice(frame.DayOffsets),
            Clicked = Slice(frame.Clicked),
            Converted = Slice(frame.Converted),
            Categorical = frame.Categorical.Select(c => c with { Codes = Slice(c.Codes) }).ToList(),
            Numeric = frame.Numeric.Select(c => c with { Values = Slice(c.Values) }).ToList(),
        };
    }
}
