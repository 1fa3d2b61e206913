using System.Text.Json;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Publishing;
using static TorchSharp.torch;

namespace Batch.Pipeline.Scoring;

/// <summary>A published version rebuilt from its manifest and weights alone, the way a serving team would.</summary>
public static class PublishedModel
{
    /// <param name="clickedColumn">the impressions' clicked column as the profile maps it now: a label naming it is the clicked label</param>
    public static async Task<(ModelManifest Manifest, MultiTaskModel Model)> LoadAsync(ModelStore store, string model, string version, Device device, string clickedColumn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (manifest, weights) = await store.ReadVersionAsync(model, version, ct).ConfigureAwait(false);
        var encoders = manifest.Features.Deserialize<FeatureEncoders>(ModelManifest.Json)
            ?? throw new InvalidDataException($"Version {version} of {model} has no feature encoders in its manifest.");
        using var stream = new MemoryStream(weights);
        return (manifest, MultiTaskModel.Load(stream, encoders, manifest.Architecture, device, new TaskSet(manifest.DeclaredTasks(clickedColumn), clickedColumn)));
    }
}
