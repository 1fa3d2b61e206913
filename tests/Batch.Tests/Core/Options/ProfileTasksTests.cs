using Batch.Core.Options;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Batch.Tests.Core.Options;

/// <summary>A profile's tasks: the defaults when it declares none, the event relations its labels name, and the outputs its gate may judge.</summary>
public sealed class ProfileTasksTests
{
    private static ModelProfile Shop()
    {
        var profile = new ModelProfile { Features = new FeatureOptions { Categorical = ["device"] } };
        profile.Source.Events["carts"] = new ConversionSourceOptions { Table = "carts" };
        profile.Tasks =
        [
            new() { Name = "ctr", Label = new TaskLabel { Column = "clicked" } },
            new() { Name = "cart", Label = new TaskLabel { Event = "carts" }, Given = "ctr" },
            new() { Name = "purchase", Label = new TaskLabel { Event = "conversions" }, Given = "cart" },
            new() { Name = "order_value", Label = new TaskLabel { Event = "conversions", Value = "value" }, Kind = TaskOptions.Regression, Role = TaskOptions.Auxiliary },
        ];
        return profile;
    }

    [Fact]
    public void AProfileWithoutTasks_TrainsTheDefaults_FromItsClickedColumn_AndJudgesCtrAndCtcvr()
    {
        var profile = new ModelProfile();
        profile.Source.Impressions.Clicked = "was_clicked";

        Assert.Equal(["ctr", "cvr"], profile.EffectiveTasks.Select(t => t.Name));
        Assert.Equal("was_clicked", profile.EffectiveTasks[0].Label.Column);
        Assert.Equal(["ctr", "ctcvr"], profile.JudgedOutputs);
    }

    [Fact]
    public void AShopProfile_IsValid_AndItsGateJudgesTheMainTasksEntireSpaceOutputs()
    {
        var profile = Shop();

        Assert.Empty(profile.Problems());
        Assert.Equal(["ctr", "ctr_cart", "ctr_cart_purchase"], profile.JudgedOutputs);
    }

    [Fact]
    public void ALabelNamingAnUndeclaredEventRelation_IsAProblem_ThatSaysWhereToDeclareIt()
    {
        var profile = Shop();
        profile.Source.Events.Clear();

        Assert.Contains("Tasks:1:Label:Event 'carts' names no event relation: declare it as Source:Events:carts (Table, ImpressionId, Time), or use 'conversions'", profile.Problems());
    }

    [Fact]
    public void TheGate_MayNotJudgeAnAuxiliaryTask_NorAnOutputNoTaskHas()
    {
        var profile = Shop();
        profile.Gate.Tasks = ["order_value", "ctcvr"];

        var problems = profile.Problems().ToList();

        Assert.Contains("Gate:Tasks names 'order_value' of the auxiliary task 'order_value': auxiliary tasks are trained and reported, never gated", problems);
        Assert.Contains(problems, p => p.StartsWith("Gate:Tasks names 'ctcvr', which is no task's output (the outputs: ctr, cart, purchase, order_value, ctr_cart, ctr_cart_purchase)", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEventRelationNamedConversions_OrBadlyNamed_IsAProblem()
    {
        var profile = Shop();
        profile.Source.Events["conversions"] = new ConversionSourceOptions();
        profile.Source.Events["Bad-Name"] = new ConversionSourceOptions { Table = "" };

        var problems = profile.Problems().ToList();

        Assert.Contains("Source:Events:conversions: 'conversions' is the name of Source:Conversions; give the relation another name", problems);
        Assert.Contains("Source:Events:Bad-Name: an event's name is 1 to 32 lower-case letters, digits and '_', starting with a letter", problems);
        Assert.Contains(problems, p => p.StartsWith("Source:Events:Bad-Name:Table", StringComparison.Ordinal));
    }

    [Fact]
    public void TheShopProfile_IsReadOnlyWithItsEnvironmentsFile_WithFourValidTasks()
    {
        var plain = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        var shop = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"))
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.Shop.json")).Build();

        Assert.Equal(["ranker"], plain.GetSection("Batch:Models").GetChildren().Select(c => c.Key));
        Assert.Equal(["ranker", "shop"], shop.GetSection("Batch:Models").GetChildren().Select(c => c.Key).Order(StringComparer.Ordinal));
        var profile = shop.GetSection("Batch:Models:shop").Get<ModelProfile>()!;
        Assert.Empty(profile.Problems());
        Assert.Equal(["ctr", "cart", "purchase", "order_value"], profile.Tasks.Select(t => t.Name));
        Assert.Equal(["ctr", "ctr_cart", "ctr_cart_purchase"], profile.JudgedOutputs);
        Assert.Equal("carts", profile.Source.Events["carts"].Table);
    }
}
