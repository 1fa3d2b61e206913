using System.Globalization;
using Batch.Core.Options;
using Batch.Modeling.Benchmarks;
using Batch.Modeling.Training;

namespace Batch.Host.Cli;

/// <summary>The <c>bench</c> verbs: they print figures and assert nothing.</summary>
public static class Benchmarks
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int CorrelatedTasks(double[] correlations, int samples, int epochs, int repeats)
    {
        var settings = new CorrelatedTasksSettings(TrainSamples: samples, Epochs: epochs, Repeats: repeats);
        Console.WriteLine(string.Create(C, $"Correlated regression tasks (Ma et al., KDD 2018): d={settings.InputDim}, m={settings.SinTerms}, c={settings.Scale}, {samples} training samples, {epochs} epochs, {repeats} seeds; MSE over both tasks, mean ± std over seeds."));
        foreach (var (name, options) in CorrelatedTasksStudy.MatchedSizes(settings))
            Console.WriteLine(string.Create(C, $"  {name,-14} experts/bottom width {options.ExpertHidden[0]}"));
        var results = CorrelatedTasksStudy.Run(correlations, settings);
        Console.WriteLine($"{"p",5} {"corr(y1,y2)",12}  {"architecture",-14} {"params",7} {"train MSE",17} {"test MSE",17}");
        foreach (var r in results)
            Console.WriteLine(string.Create(C, $"{r.Correlation,5:F2} {r.LabelCorrelation,12:F3}  {r.Architecture,-14} {r.Parameters,7} {r.TrainLoss,8:F4} ± {r.TrainLossStd,6:F4} {r.TestLoss,8:F4} ± {r.TestLossStd,6:F4}"));
        return 0;
    }

    public static int Throughput(int steps)
    {
        var device = TorchDevices.Resolve("auto");
        var matmul = ThroughputBenchmark.MatmulGflops(device);
        Console.WriteLine(string.Create(C, $"Device {device}, {TorchSharp.torch.get_num_threads()} threads. Reference: 2048×2048 float32 matmul at {matmul:F1} GFLOP/s."));
        Console.WriteLine(string.Create(C, $"Batch: {ThroughputBenchmark.Tables} embedding tables of {ThroughputBenchmark.Cardinality}×16, 2 numeric features, ESMM losses, Adam; GFLOP/s counts dense layers only (6 FLOPs per weight per sample)."));
        Console.WriteLine($"{"architecture",-14} {"batch",6} {"params",9} {"samples/s",11} {"GFLOP/s",8} {"of matmul",10}");
        foreach (var name in ArchitectureOptions.Names)
        {
            foreach (var batch in new[] { 1024, 4096 })
            {
                var r = ThroughputBenchmark.Measure(name, batch, steps, matmul, device);
                Console.WriteLine(string.Create(C, $"{r.Architecture,-14} {r.BatchSize,6} {r.Parameters,9} {r.SamplesPerSecond,11:F0} {r.GflopsPerSecond,8:F2} {r.FractionOfMatmul,10:P1}"));
            }
        }
        return 0;
    }

    public static int Balancers(string architecture, int batchSize, int steps)
    {
        var device = TorchDevices.Resolve("auto");
        Console.WriteLine(string.Create(C, $"Per-step cost of each loss balancer on {architecture}, batch {batchSize}, two tasks (ESMM), device {device}: median of 5 interleaved rounds of {steps} steps."));
        Console.WriteLine($"{"balancer",-12} {"ms/step",9} {"× fixed",8}");
        foreach (var r in BalancerCostBenchmark.Run(architecture, batchSize, steps, device))
            Console.WriteLine(string.Create(C, $"{r.Balancer,-12} {r.MillisecondsPerStep,9:F2} {r.RatioToFixed,8:F2}"));
        return 0;
    }
}
