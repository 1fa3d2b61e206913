using System.Globalization;
using Batch.Core.Options;
using Batch.Lab.Synthetic;
using Batch.Pipeline.Scoring;
using Batch.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Batch.Tests.Pipeline.Runs;

/// <summary>
/// A profile with a shop's four tasks (ctr, cart given ctr, purchase given cart, an auxiliary order-value regression)
/// run through the nightly pipeline on the lab's shop world: the first model is published with the four tasks in its
/// manifest, the gate judges the three main tasks' entire-space outputs and never the auxiliary one, the evaluate
/// step measures the regression by RMSE and MAE, and `batch score` writes a column per output.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class ShopTasksPipelineTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private const string Model = "shop";

    private static readonly Dictionary<string, string?> Tasks = new()
    {
        [$"Batch:Models:{Model}:Source:Events:carts:Table"] = "carts",
        [$"Batch:Models:{Model}:Tasks:0:Name"] = "ctr",
        [$"Batch:Models:{Model}:Tasks:0:Label:Column"] = "clicked",
        [$"Batch:Models:{Model}:Tasks:1:Name"] = "cart",
        [$"Batch:Models:{Model}:Tasks:1:Label:Event"] = "carts",
        [$"Batch:Models:{Model}:Tasks:1:Given"] = "ctr",
        [$"Batch:Models:{Model}:Tasks:2:Name"] = "purchase",
        [$"Batch:Models:{Model}:Tasks:2:Label:Event"] = "conversions",
        [$"Batch:Models:{Model}:Tasks:2:Given"] = "cart",
        [$"Batch:Models:{Model}:Tasks:3:Name"] = "order_value",
        [$"Batch:Models:{Model}:Tasks:3:Label:Event"] = "conversions",
        [$"Batch:Models:{Model}:Tasks:3:Label:Value"] = "value",
        [$"Batch:Models:{Model}:Tasks:3:Kind"] = "regression",
        [$"Batch:Models:{Model}:Tasks:3:Role"] = "auxiliary",
    };

    [Fact]
    public async Task AShopProfile_PublishesItsFourTasks_AndScoresAColumnPerOutput()
    {
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [Model], extra: Tasks);
        var summary = await new SyntheticSeeder(rig.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()).SeedAsync(
            PipelineRig.LastDay, 4, 4000, seed: 5, rig.Options.TimeZone(), rig.Options.ConversionWindowDays, CancellationToken.None, new ShopWorld(0.5));
        Assert.True(summary.Carts > summary.Conversions && summary.Conversions > 0, $"{summary.Carts} carts, {summary.Conversions} purchases");

        var outcome = await rig.RunAsync(Model);

        Assert.True(outcome.Promoted);
        var (manifest, _) = await rig.Store.ReadVersionAsync(Model, outcome.Version!, CancellationToken.None);
        Assert.Equal(3, manifest.SchemaVersion);
        Assert.Equal(["ctr", "cart", "purchase", "order_value"], manifest.Tasks!.Select(t => t.Name));
        Assert.Equal((TaskOptions.Regression, TaskOptions.Auxiliary), (manifest.Tasks![3].Kind, manifest.Tasks[3].Role));
        Assert.Equal(["ctr", "cart", "purchase", "order_value", "ctr_cart", "ctr_cart_purchase"], manifest.Metrics.Select(m => m.Task));
        var value = manifest.Metrics.Single(m => m.Task == "order_value");
        Assert.True(value.Rmse > 0 && value.Mae > 0 && value.Mae <= value.Rmse, $"RMSE {value.Rmse}, MAE {value.Mae}");
        Assert.Equal(["ctr", "ctr_cart", "ctr_cart_purchase"], manifest.Gate.Reasons.Select(r => r[..r.IndexOf(':', StringComparison.Ordinal)]));

        var scored = await rig.Services.GetRequiredService<DayScoring>().ScoreAsync(Model, null, PipelineRig.LastDay, CancellationToken.None);
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        ScoreFile.Write(scored, text);
        Assert.Equal("impression_id,p_ctr,p_cart,p_purchase,p_order_value,p_ctr_cart,p_ctr_cart_purchase", text.ToString()[..text.ToString().IndexOf('\n', StringComparison.Ordinal)]);
        for (var i = 0; i < scored.Frame.Count; i++)
        {
            Assert.Equal(scored.Predictions["ctr"][i] * scored.Predictions["cart"][i], scored.Predictions["ctr_cart"][i], 6);
            Assert.Equal(scored.Predictions["ctr_cart"][i] * scored.Predictions["purchase"][i], scored.Predictions["ctr_cart_purchase"][i], 6);
            Assert.True(scored.Predictions["order_value"][i] >= 0);
        }
        Assert.StartsWith($"Scored {scored.Frame.Count} impressions", ScoreFile.Summary(scored, "x.csv"), StringComparison.Ordinal);
        Assert.Contains(", ctr_cart AUC ", ScoreFile.Summary(scored, "x.csv"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMainRegression_IsJudgedAgainstProduction_ByItsSquaredErrors_OnTheModelsPage()
    {
        const string Main = "shop-value";
        var settings = Tasks.ToDictionary(t => t.Key.Replace($":{Model}:", $":{Main}:", StringComparison.Ordinal), t => t.Value);
        settings[$"Batch:Models:{Main}:Tasks:3:Role"] = "main";
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [Main], extra: settings);
        await new SyntheticSeeder(rig.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()).SeedAsync(
            PipelineRig.LastDay, 5, 3000, seed: 6, rig.Options.TimeZone(), rig.Options.ConversionWindowDays, CancellationToken.None, new ShopWorld(0.5));

        Assert.True((await rig.RunAsync(Main, PipelineRig.LastDay.AddDays(-1))).Promoted);
        var second = await rig.RunAsync(Main);

        var (manifest, _) = await rig.Store.ReadVersionAsync(Main, second.Version!, CancellationToken.None);
        var judgement = Assert.Single(manifest.Gate.Judgements, j => j.Task == "order_value");
        Assert.Equal("mse", judgement.Measure);
        Assert.Contains("order_value: RMSE ", string.Join("\n", manifest.Gate.Reasons), StringComparison.Ordinal);
        var page = Batch.Host.Dashboard.ModelsHtml.Render(await Batch.Host.Dashboard.ModelsView.LoadAsync(rig.Services, CancellationToken.None), u => u);
        Assert.Contains("data-task=\"order_value\">order_value RMSE ", page, StringComparison.Ordinal);
        Assert.Contains("data-task=\"ctr_cart_purchase\">ctr_cart_purchase AUC ", page, StringComparison.Ordinal);
    }
}
