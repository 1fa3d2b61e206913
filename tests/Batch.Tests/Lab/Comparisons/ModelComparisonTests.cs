using System.Globalization;
using Batch.Host.Cli;
using Batch.Lab;
using Batch.Lab.Cli;
using Batch.Lab.Comparisons;
using Batch.Lab.Synthetic;
using Batch.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Batch.Tests.Lab.Comparisons;

/// <summary>The lab's studies on a small synthetic window: compare, balance and relatedness against real training and the world's truth.</summary>
[Collection(TorchGroup.Name)]
public sealed class ModelComparisonTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private static readonly DateOnly LastDay = new(2026, 10, 20);
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = HostFactory.Build(configure: c => c.AddInMemoryCollection(TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["study"])), services: s => s.AddLab());
        await _host.Services.GetRequiredService<SyntheticSeeder>().SeedAsync(LastDay, 6, 3000, seed: 5, TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam"), 2, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    private ModelComparison Comparison => _host.Services.GetRequiredService<ModelComparison>();

    [Fact]
    public async Task Balance_ComparesEachStrategyWithTheYardsticks_OnTheSameWindow_AgainstTheTruth()
    {
        var result = await Comparison.CompareBalancersAsync("study", LastDay, "mmoe", ["fixed", "pcgrad"], tolerance: 0.001, seeds: 2, CancellationToken.None);
        var results = result.Rows;
        Assert.Equal(["single-task", "logistic", "mmoe + fixed", "mmoe + pcgrad"], results.Select(r => r.Label));
        Assert.Null(results[0].Verdict);
        Assert.All(results.Skip(1), r => Assert.NotNull(r.Verdict));
        Assert.All(results[3].History, e => Assert.InRange(e.ConflictRate!.Value, 0, 1));
        Assert.Equal(["task0", "task1"], results[2].Diagnostics.MeanGateWeights.Keys.Order(StringComparer.Ordinal));
        Assert.All(results.Where(r => r.Label != "logistic"), r => Assert.Equal(2, r.History.Count));

        // Two seeds each: the row is their mean (the logistic yardstick is deterministic: one fit).
        Assert.All(results.Where(r => r.Label != "logistic"), r => Assert.Equal(2, r.PerSeed.Count));
        var row = results[2];
        Assert.Equal((row.PerSeed[0].Single(m => m.Task == "ctr").Auc + row.PerSeed[1].Single(m => m.Task == "ctr").Auc) / 2, row.Metrics.Single(m => m.Task == "ctr").Auc, 12);

        // The synthetic world's truth: its AUC is the ceiling, and the summary names every yardstick.
        var oracle = result.Oracle!;
        Assert.True(oracle.Single(m => m.Task == "ctcvr").Auc > results.Max(r => r.Metrics.Single(m => m.Task == "ctcvr").Auc));
        Assert.Matches(@"^quality mmoe ctr=0\.\d{4} ctcvr=0\.\d{4} logistic ctr=0\.\d{4} ctcvr=0\.\d{4} single-task ctr=0\.\d{4} ctcvr=0\.\d{4} oracle ctr=0\.\d{4} ctcvr=0\.\d{4}$",
            ComparisonPrinter.Summary(result));

        // Without its latent user × item terms the truth ranks the same day's clicks worse, and the table shows both.
        var withoutLatent = result.OracleWithoutLatent!;
        Assert.Equal(oracle.Single(m => m.Task == "ctr").Count, withoutLatent.Single(m => m.Task == "ctr").Count);
        Assert.True(withoutLatent.Single(m => m.Task == "ctr").Auc < oracle.Single(m => m.Task == "ctr").Auc);
        using var printed = new StringWriter();
        ComparisonPrinter.Print("study", LastDay, ["ctr", "ctcvr"], 0.001, result, printed);
        var line = printed.ToString().Split('\n').Single(l => l.StartsWith(ComparisonPrinter.WithoutLatentLabel, StringComparison.Ordinal));
        Assert.Contains(withoutLatent.Single(m => m.Task == "ctr").Auc.ToString("F4", CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.EndsWith("(the same without the latent user × item terms)", line.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLogisticYardstick_IsFittedToConvergence_ItsPenaltyChosenOnValidation_AndReportsTheStrongerCtcvr()
    {
        var result = await Comparison.CompareArchitecturesAsync("study", LastDay, ["shared-bottom"], tolerance: 0.001, seeds: 1, CancellationToken.None);
        var logistic = result.Rows.Single(r => r.Label == "logistic");
        var choice = logistic.Tuning!;
        Assert.Null(result.Rows[0].Tuning);
        Assert.Equal(["ctr", "cvr", "ctcvr"], choice.Fits.Select(f => f.Task));
        foreach (var fit in choice.Fits)
        {
            Assert.Equal(LogisticYardstick.Penalties, fit.Trials.Select(t => t.Lambda));
            Assert.Equal(fit.Trials.MinBy(t => t.ValidationLoss)!.Lambda, fit.Lambda);
            Assert.True(fit.Trials.Select(t => t.ValidationLoss).Distinct().Count() > 1, $"{fit.Task}: the penalty changed nothing");
        }
        // The profile holds no validation days: the penalties were judged on the window's last day.
        Assert.StartsWith("fitted to convergence (L-BFGS), L2 chosen on the validation logloss of 2026-10-19: ctr λ ", choice.Describe(), StringComparison.Ordinal);
        // CTCVR both ways; the row reports the stronger on the held-out day.
        var reported = logistic.Metrics.Single(m => m.Task == "ctcvr").Auc;
        Assert.Equal(Math.Max(choice.ProductCtcvrAuc, choice.DirectCtcvrAuc), reported, 12);
        Assert.Contains(choice.Direct ? "ctcvr directly, the stronger" : "ctcvr as ESMM's product, the stronger", choice.Describe(), StringComparison.Ordinal);
        Assert.Empty(logistic.History);

        // --history: a line per row, each epoch's training loss as the row's history has it.
        Assert.StartsWith("quality shared-bottom ctr=", ComparisonPrinter.Summary(result), StringComparison.Ordinal);
        using var printed = new StringWriter();
        ComparisonPrinter.PrintHistory(result, printed);
        var lines = printed.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + result.Rows.Count, lines.Length);
        foreach (var (row, line) in result.Rows.Where(r => r.History.Count > 0).Zip(lines.Skip(1).Where(l => !l.StartsWith("  logistic", StringComparison.Ordinal))))
        {
            var first = row.History[0];
            Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"  {row.Label}: 1: {first.Losses["ctr"]:F4}/{first.Losses["ctcvr"]:F4}"), line, StringComparison.Ordinal);
            Assert.Equal(row.History.Count, line.Split(" | ").Length);
        }
    }

    [Fact]
    public async Task Relatedness_TrainsEachTaskAlone_AndReadsTheOthersLoss()
    {
        var results = await _host.Services.GetRequiredService<RelatednessProbe>().ProbeAsync("study", LastDay, 0.01, CancellationToken.None);
        Assert.Equal([("ctr", "ctcvr"), ("ctcvr", "ctr")], results.Select(r => (r.TrainedTask, r.WatchedTask)));
        Assert.All(results, r => Assert.Contains(r.Reading.Split(':')[0], new[] { "related", "unrelated", "conflicting" }));
        Assert.All(results, r => Assert.NotEqual(r.WatchedBefore.LogLoss, r.WatchedAfter.LogLoss));
    }
}
