using System.Text.Json;
using System.Text.Json.Nodes;
using Batch.Core.Options;
using Batch.Host.Cli;
using Batch.Modeling.Balancers;
using Batch.Modeling.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Batch.Tests.Core.Options;

/// <summary>
/// The code's defaults are the documented default model: a profile that names only its features resolves to what the
/// <c>ranker</c> profile spelled out in full when it was shipped (ShippedRankerProfile.json, every setting written), and
/// the ranker as it ships now is such a profile.
/// </summary>
public class DefaultModelTests
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "Core", "Options", "ShippedRankerProfile.json");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static BatchOptions Resolve(Dictionary<string, string?> extra)
    {
        using var host = HostFactory.Build(configure: c => c.AddJsonFile(Shipped).AddInMemoryCollection(extra));
        return host.Services.GetRequiredService<IOptions<BatchOptions>>().Value;
    }

    /// <summary>What decides the model a profile trains: every setting, with only the named plug-ins' own settings.</summary>
    private static JsonNode Effective(ModelProfile profile)
    {
        var json = JsonSerializer.SerializeToNode(profile, Json)!;
        var architecture = profile.Architecture;
        json["architecture"]!["settings"] = new JsonObject
        {
            [architecture.Name] = architecture.Settings.Of(architecture.Name)?.DeepClone(),
            [architecture.Interaction] = architecture.Settings.Of(architecture.Interaction)?.DeepClone(),
        };
        var balancer = profile.Training.Balancer;
        var weights = balancer.Settings.Read<FixedSettings>(FixedPlugin.Id).Weights;
        // Fixed weights: none named means 1 for each of the two tasks.
        json["training"]!["balancer"]!["settings"] = new JsonObject { [balancer.Name] = JsonSerializer.SerializeToNode(weights.Count == 0 ? [1.0, 1.0] : weights) };
        json["gate"]!["tasks"] = JsonSerializer.SerializeToNode(profile.Gate.JudgedTasks);
        return json;
    }

    [Fact]
    public void AProfileNamingOnlyItsFeatures_ResolvesToTheShippedRanker_AndTheRankerAsShippedNowIsOne()
    {
        var features = new ConfigurationBuilder().AddJsonFile(Shipped).Build().GetSection("Batch:Models:shipped:Features").AsEnumerable(makePathsRelative: true)
            .Where(kv => kv.Value is not null).ToDictionary(kv => $"Batch:Models:features-only:Features:{kv.Key}", kv => kv.Value);
        var settings = Resolve(features);

        var shipped = Effective(settings.Profile("shipped"));
        Assert.Equal(shipped.ToJsonString(), Effective(settings.Profile("features-only")).ToJsonString());
        Assert.Equal(shipped.ToJsonString(), Effective(settings.Profile("ranker")).ToJsonString());
        var ranker = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build().GetSection("Batch:Models:ranker");
        Assert.Equal(["Features"], ranker.GetChildren().Select(c => c.Key));
    }

    [Fact]
    public void TheProcessDefaults_AreTheDocumentedOnes()
    {
        var defaults = new BatchOptions();
        Assert.Equal((1, "auto", 30.0, 2, "Europe/Amsterdam"), (defaults.CpuThreads, defaults.Device, defaults.RunLeaseMinutes, defaults.ConversionWindowDays, defaults.BusinessTimeZone));
    }
}
