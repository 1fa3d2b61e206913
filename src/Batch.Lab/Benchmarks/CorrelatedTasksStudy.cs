using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Plugins;
using static TorchSharp.torch;

namespace Batch.Lab.Benchmarks;

/// <summary>One architecture trained on tasks of one correlation: losses as mean and standard deviation over the repeats.</summary>
public sealed record CorrelatedTasksResult(
    double Correlation, string Architecture, long Parameters, double TrainLoss, double TrainLossStd, double TestLoss, double TestLossStd, double LabelCorrelation);

/// <summary>Sizes and training of the study.</summary>
public sealed record CorrelatedTasksSettings(
    int InputDim = 100, int SinTerms = 10, double Scale = 1.0, int TrainSamples = 10_000, int TestSamples = 2_000,
    int Epochs = 20, int BatchSize = 128, double LearningRate = 0.002, int Experts = 8, int ExpertWidth = 16, int TowerWidth = 8, long Seed = 3,
    int Repeats = 3);

/// <summary>
/// The synthetic study of the MMoE paper (Ma et al., KDD 2018, §3.2): two regression tasks whose relatedness is
/// set by a correlation p between their weight vectors. Orthonormal u1, u2; w1 = c·u1, w2 = c·(p·u1 + √(1−p²)·u2);
/// x ~ N(0, I); y_k = w_kᵀx + Σ_i sin(α_i·w_kᵀx + β_i) + ε, ε ~ N(0, 0.01).
/// </summary>
public static class CorrelatedTasksStudy
{
    // The architectures the MMoE paper compares, by their registered names.
    private const string SharedBottom = "shared-bottom";
    private const string Omoe = "omoe";
    private const string Mmoe = "mmoe";
    private const string Ple = PlePlugin.Id;

    public static readonly IReadOnlyList<string> Architectures =
        [SharedBottom, Omoe, Mmoe, Ple];

    /// <summary>Draws the two tasks: their weight vectors with correlation <paramref name="p"/> and the shared sinusoid.</summary>
    public static CorrelatedTasks Define(double p, CorrelatedTasksSettings settings, Random random)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(random);
        var d = settings.InputDim;
        var u1 = Normalize(Gaussian(random, d));
        var u2 = Gaussian(random, d);
        var along = Dot(u1, u2);
        for (var i = 0; i < d; i++) u2[i] -= along * u1[i]; // Gram–Schmidt: u2 ⟂ u1
        u2 = Normalize(u2);
        var w1 = u1.Select(v => settings.Scale * v).ToArray();
        var w2 = u1.Select((v, i) => settings.Scale * (p * v + Math.Sqrt(1 - p * p) * u2[i])).ToArray();
        return new CorrelatedTasks(w1, w2, Gaussian(random, settings.SinTerms), Gaussian(random, settings.SinTerms));
    }

    /// <summary>Trains every architecture of <see cref="Architectures"/> for each correlation, at matched parameter counts.</summary>
    public static IReadOnlyList<CorrelatedTasksResult> Run(IReadOnlyList<double> correlations, CorrelatedTasksSettings settings)
    {
        ArgumentNullException.ThrowIfNull(correlations);
        ArgumentNullException.ThrowIfNull(settings);
        var sizes = MatchedSizes(settings);
        var results = new List<CorrelatedTasksResult>();
        foreach (var p in correlations)
        {
            var runs = sizes.ToDictionary(s => s.Name, _ => new List<(double Train, double Test)>(), StringComparer.Ordinal);
            var parameters = new Dictionary<string, long>(StringComparer.Ordinal);
            var labelCorrelations = new List<double>();
            for (var repeat = 0; repeat < settings.Repeats; repeat++)
            {
                using var scope = NewDisposeScope();
                var seed = settings.Seed + 1000 * repeat;
                var random = new Random(unchecked((int)seed));
                var tasks = Define(p, settings, random);
                var (trainX, trainY) = tasks.Sample(settings.TrainSamples, random);
                var (testX, testY) = tasks.Sample(settings.TestSamples, random);
                labelCorrelations.Add(corrcoef(trainY.t())[0, 1].item<float>());
                foreach (var (name, options) in sizes)
                {
                    manual_seed(seed);
                    using var network = ArchitectureCatalog.Create(new ArchitectureContext([], settings.InputDim, 2, options));
                    var trainLoss = Train(network, trainX, trainY, settings);
                    network.eval();
                    using (no_grad())
                        runs[name].Add((trainLoss, nn.functional.mse_loss(network.call(empty(testX.shape[0], 0, dtype: int64), testX), testY).item<float>()));
                    parameters[name] = network.parameters().Sum(q => q.numel());
                }
            }
            foreach (var (name, _) in sizes)
            {
                var r = runs[name];
                results.Add(new CorrelatedTasksResult(p, name, parameters[name], r.Average(x => x.Train), Std(r.Select(x => x.Train)),
                    r.Average(x => x.Test), Std(r.Select(x => x.Test)), labelCorrelations.Average()));
            }
        }
        return results;
    }

    private static double Std(IEnumerable<double> values)
    {
        var v = values.ToArray();
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
    }

    /// <summary>MMoE with the configured experts sets the budget; the others are widened or narrowed to meet it.</summary>
    public static IReadOnlyList<(string Name, ArchitectureOptions Options)> MatchedSizes(CorrelatedTasksSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArchitectureOptions Moe(string name, int width) => new ArchitectureOptions
        {
            Name = name, ExpertHidden = [width], TowerHidden = [settings.TowerWidth], Wide = false, Shortcut = false, Interaction = "none", EmbeddingInitStd = 1,
        }.With(name, new ExpertPoolSettings { Experts = settings.Experts });
        var mmoe = Moe(Mmoe, settings.ExpertWidth);
        var budget = ParameterMatching.Count(new ArchitectureContext([], settings.InputDim, 2, mmoe));
        var omoe = ParameterMatching.Match([], settings.InputDim, 2, budget, w => Moe(Omoe, w)).Options;
        var sharedBottom = ParameterMatching.Match([], settings.InputDim, 2, budget, w => new ArchitectureOptions
        {
            Name = SharedBottom, ExpertHidden = [w], TowerHidden = [settings.TowerWidth], Wide = false, Shortcut = false, Interaction = "none", EmbeddingInitStd = 1,
        }).Options;
        // PLE keeps the expert count of MMoE split into task-specific and shared experts over two levels.
        var ple = ParameterMatching.Match([], settings.InputDim, 2, budget, w => new ArchitectureOptions
        {
            Name = Ple, ExpertHidden = [w], TowerHidden = [settings.TowerWidth], Wide = false, Shortcut = false, Interaction = "none", EmbeddingInitStd = 1,
        }.With(Ple, new PleSettings { Levels = 2, SpecificExperts = Math.Max(1, settings.Experts / 4), SharedExperts = Math.Max(1, settings.Experts / 2) })).Options;
        return [(SharedBottom, sharedBottom), (Omoe, omoe), (Mmoe, mmoe), (Ple, ple)];
    }

    private static double Train(MultiTaskNetwork network, Tensor x, Tensor y, CorrelatedTasksSettings settings)
    {
        using var optimizer = optim.Adam(network.parameters(), settings.LearningRate);
        var n = x.shape[0];
        var noIndices = empty(settings.BatchSize, 0, dtype: int64);
        double last = double.NaN;
        network.train();
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            using var order = randperm(n);
            double sum = 0;
            var batches = 0;
            for (long start = 0; start < n; start += settings.BatchSize)
            {
                using var scope = NewDisposeScope();
                var rows = order[TensorIndex.Slice(start, Math.Min(start + settings.BatchSize, n))];
                var loss = nn.functional.mse_loss(network.call(noIndices[TensorIndex.Slice(0, rows.shape[0])], x.index_select(0, rows)), y.index_select(0, rows));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                sum += loss.item<float>();
                batches++;
            }
            last = sum / batches;
        }
        return last;
    }

    internal static double[] Gaussian(Random random, int n) =>
        Enumerable.Range(0, n).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();

    internal static double Dot(double[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();

    private static double[] Normalize(double[] v)
    {
        var norm = Math.Sqrt(Dot(v, v));
        return v.Select(x => x / norm).ToArray();
    }
}

/// <summary>Two regression tasks of the study: y_k = w_kᵀx + Σ_i sin(α_i·w_kᵀx + β_i) + ε.</summary>
public sealed record CorrelatedTasks(double[] W1, double[] W2, double[] Alpha, double[] Beta)
{
    /// <returns>inputs [n, d] with x ~ N(0, I), and labels [n, 2]</returns>
    public (Tensor X, Tensor Y) Sample(int n, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var d = W1.Length;
        var x = new float[n * d];
        var y = new float[n * 2];
        for (var r = 0; r < n; r++)
        {
            var row = CorrelatedTasksStudy.Gaussian(random, d);
            for (var i = 0; i < d; i++) x[r * d + i] = (float)row[i];
            y[r * 2] = (float)Label(CorrelatedTasksStudy.Dot(W1, row), random);
            y[r * 2 + 1] = (float)Label(CorrelatedTasksStudy.Dot(W2, row), random);
        }
        return (tensor(x, [n, d]), tensor(y, [n, 2]));
    }

    private double Label(double projection, Random random)
    {
        var y = projection;
        for (var i = 0; i < Alpha.Length; i++) y += Math.Sin(Alpha[i] * projection + Beta[i]);
        return y + 0.1 * CorrelatedTasksStudy.Gaussian(random, 1)[0]; // ε with variance 0.01
    }
}
