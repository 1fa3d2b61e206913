using System.Text.Json;
using System.Text.Json.Nodes;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Modeling.Architectures;
using Batch.Modeling.Plugins;
using Batch.Modeling.Training;
using Batch.Publishing;
using Batch.Tests.Modeling;
using Batch.Tests.Support;
using Xunit;
using static TorchSharp.torch;

namespace Batch.Tests.Publishing;

/// <summary>Manifests of every schema version are read as the current one; a production version published before re-scores as it did.</summary>
[Collection(TorchGroup.Name)]
public sealed class ManifestSchemaTests
{
    private static ModelManifest Manifest(ArchitectureOptions architecture) => new()
    {
        Model = "m",
        Version = "v",
        DataDay = new DateOnly(2026, 1, 2),
        TrainingFirstDay = new DateOnly(2025, 12, 26),
        TrainingLastDay = new DateOnly(2026, 1, 1),
        CreatedAt = DateTimeOffset.UnixEpoch,
        RunId = 1,
        Architecture = architecture,
        Features = new JsonObject(),
        Tasks = TaskOptions.Defaults(),
        Metrics = [new TaskMetrics("ctr", 0.7, 0.2, 10, 2)],
        Gate = new GateDecision(true, "first-model", []),
        Training = new JsonObject(),
        WeightsSha256 = "00",
        CodeVersion = "test",
    };

    private static BinaryData Json(ModelManifest manifest) => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(manifest, ModelManifest.Json));

    /// <summary>The manifest as schema version 1 wrote it: the named plug-ins' settings flat in <c>architecture</c>.</summary>
    private static BinaryData AsVersion1(ModelManifest manifest)
    {
        var root = JsonNode.Parse(Json(manifest).ToString())!.AsObject();
        root["schemaVersion"] = 1;
        var architecture = root["architecture"]!.AsObject();
        var settings = architecture["settings"]!.AsObject();
        architecture.Remove("settings");
        foreach (var name in new[] { manifest.Architecture.Name, manifest.Architecture.Interaction })
            if (settings[name] is JsonObject own)
                foreach (var (key, value) in own) architecture[key] = value?.DeepClone();
        return BinaryData.FromString(root.ToJsonString());
    }

    [Fact]
    public void ACurrentManifest_RoundTrips_WithItsPluginSettings()
    {
        var architecture = new ArchitectureOptions { Name = "ple", Interaction = "dcn-v2", ExpertHidden = [8] }
            .With("ple", new PleSettings { Levels = 3, SharedExperts = 2 }).With("dcn-v2", new DcnV2Settings { CrossLayers = 4 });
        var json = Json(Manifest(architecture));

        var read = ModelManifest.Parse(json, "m/manifest.json");

        Assert.Equal(3, read.SchemaVersion);
        Assert.Equal(json.ToString(), Json(read).ToString());
        Assert.Contains("\"settings\": {\n      \"dcn-v2\": {\n        \"crossLayers\": 4\n      },\n      \"ple\": {\n        \"levels\": 3,", json.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void AVersion1Manifest_IsReadWithItsFlatSettings_UnderTheArchitectureAndTheInteractionLayer()
    {
        var architecture = new ArchitectureOptions { Name = "ple", Interaction = "dcn-v2", ExpertHidden = [8], Wide = true }
            .With("ple", new PleSettings { Levels = 3, SpecificExperts = 2, SharedExperts = 4 }).With("dcn-v2", new DcnV2Settings { CrossLayers = 5 });
        var v1 = AsVersion1(Manifest(architecture));
        Assert.Contains("\"levels\":3", v1.ToString(), StringComparison.Ordinal);

        var read = ModelManifest.Parse(v1, "m/manifest.json");

        Assert.Equal(ModelManifest.CurrentSchemaVersion, read.SchemaVersion);
        var ple = read.Architecture.Settings.Read<PleSettings>("ple");
        Assert.Equal((3, 2, 4), (ple.Levels, ple.SpecificExperts, ple.SharedExperts));
        Assert.Equal(5, read.Architecture.Settings.Read<DcnV2Settings>("dcn-v2").CrossLayers);
        Assert.True(read.Architecture.Wide);
        Assert.Equal([8], read.Architecture.ExpertHidden);
    }

    [Fact]
    public void AManifestOfANewerSchema_IsRefused_NamingBothVersions()
    {
        var root = JsonNode.Parse(Json(Manifest(new ArchitectureOptions { Name = "ple" })).ToString())!.AsObject();
        root["schemaVersion"] = 9;

        var e = Assert.Throws<InvalidDataException>(() => ModelManifest.Parse(BinaryData.FromString(root.ToJsonString()), "m/versions/v/manifest.json"));

        Assert.Equal("m/versions/v/manifest.json has schema version 9; this code reads up to 3. Update the code that reads it.", e.Message);
    }

    [Theory]
    [InlineData("ple+dcn-v2")]
    [InlineData("mmoe")]
    [InlineData("snr-trans")]
    public void AModelPublishedWithAVersion1Manifest_RescoresIdentically(string name)
    {
        var (frame, encoders) = ModelingFixtures.Fitted(64);
        var architecture = ModelingFixtures.Architecture(name, levels: 3);
        using var model = MultiTaskModel.Create(encoders, architecture, CPU, seed: 9);
        using var weights = new MemoryStream();
        model.SaveWeights(weights);
        // What a version-1 manifest held: only the named plug-ins' settings, flat.
        var published = architecture.Named(architecture.Name);
        foreach (var other in published.Settings.PluginNames().Except([architecture.Name, architecture.Interaction], StringComparer.Ordinal)) published.Settings.Remove(other);

        var read = ModelManifest.Parse(AsVersion1(Manifest(published)), "m/manifest.json");
        weights.Position = 0;
        using var loaded = MultiTaskModel.Load(weights, encoders, read.Architecture, CPU);

        var before = Scorer.Predict(model, encoders.Encode(frame));
        var after = Scorer.Predict(loaded, encoders.Encode(frame));
        Assert.Equal(before["ctr"], after["ctr"]);
        Assert.Equal(before["cvr"], after["cvr"]);
    }

    [Fact]
    public void AVersion2Manifest_ReadsAsTheDefaultTasks_AndItsModelRescoresIdentically()
    {
        var (frame, encoders) = ModelingFixtures.Fitted(64);
        var architecture = ModelingFixtures.Architecture("ple", levels: 2);
        using var model = MultiTaskModel.Create(encoders, architecture, CPU, seed: 4);
        using var weights = new MemoryStream();
        model.SaveWeights(weights);
        // What a version-2 manifest held: the two default tasks' names.
        var root = JsonNode.Parse(Json(Manifest(architecture)).ToString())!.AsObject();
        root["schemaVersion"] = 2;
        root["tasks"] = new JsonArray("ctr", "cvr");

        var read = ModelManifest.Parse(BinaryData.FromString(root.ToJsonString()), "m/manifest.json");
        var tasks = read.DeclaredTasks("was_clicked");
        weights.Position = 0;
        using var loaded = MultiTaskModel.Load(weights, encoders, read.Architecture, CPU, new TaskSet(tasks, "was_clicked"));

        Assert.Null(read.Tasks);
        Assert.Equal(["ctr", "cvr"], tasks.Select(t => t.Name));
        Assert.Equal(("was_clicked", "ctr", "ctcvr"), (tasks[0].Label.Column, tasks[1].Given, tasks[1].Product));
        Assert.Equal(["clicked", "converted"], loaded.Tasks.LabelKeys);
        var before = Scorer.Predict(model, encoders.Encode(frame));
        var after = Scorer.Predict(loaded, encoders.Encode(frame));
        foreach (var output in new[] { "ctr", "cvr", "ctcvr" }) Assert.Equal(before[output], after[output]);
    }

    [Fact]
    public void AVersion3Manifest_DeclaresItsTasks_AndReadsThemBack()
    {
        var manifest = Manifest(new ArchitectureOptions { Name = "ple" }) with { Tasks = ModelingFixtures.ShopTasks(value: true).Tasks };

        var read = ModelManifest.Parse(Json(manifest), "m/manifest.json");

        Assert.Equal(["ctr", "cart", "purchase", "value"], read.Tasks!.Select(t => t.Name));
        Assert.Equal(("carts", "ctr", TaskOptions.Binary), (read.Tasks![1].Label.Event, read.Tasks[1].Given, read.Tasks[1].Kind));
        Assert.Equal((TaskOptions.Regression, TaskOptions.Auxiliary, "amount"), (read.Tasks[3].Kind, read.Tasks[3].Role, read.Tasks[3].Label.Value));
        Assert.Contains("\"role\": \"auxiliary\"", Json(read).ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("isRegression", Json(read).ToString(), StringComparison.Ordinal);
    }
}
