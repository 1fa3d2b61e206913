using Batch.Core.Options;
using Batch.Modeling.Architectures;
using Batch.Modeling.Features;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>A backbone with the encoders it was trained with: what gets trained, scored, saved and loaded.</summary>
public sealed class MultiTaskModel : IDisposable
{
    public const int TaskCount = 2;

    private MultiTaskModel(MultiTaskNetwork network, FeatureEncoders encoders, ArchitectureOptions architecture, Device device)
    {
        Network = network;
        Encoders = encoders;
        Architecture = architecture;
        Device = device;
    }

    public MultiTaskNetwork Network { get; }
    public FeatureEncoders Encoders { get; }
    public ArchitectureOptions Architecture { get; }
    public Device Device { get; }

    /// <summary>A freshly initialised model; parameters drawn from <paramref name="seed"/>.</summary>
    public static MultiTaskModel Create(FeatureEncoders encoders, ArchitectureOptions architecture, Device device, long seed)
    {
        ArgumentNullException.ThrowIfNull(encoders);
        manual_seed(seed);
        var network = ArchitectureCatalog.Create(new ArchitectureContext(encoders.Cardinalities, encoders.Numeric.Count, TaskCount, architecture, encoders.EmbeddingDims));
        network.to(device);
        return new MultiTaskModel(network, encoders, architecture, device);
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/>; a missing, extra or misshapen tensor fails.</summary>
    public static MultiTaskModel Load(Stream weights, FeatureEncoders encoders, ArchitectureOptions architecture, Device device)
    {
        var model = Create(encoders, architecture, CPU, seed: 0);
        try
        {
            model.Network.load_safetensors(weights, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException)
        {
            model.Dispose();
            throw new InvalidDataException($"The weights do not fit the {architecture.Name} architecture in the manifest: {e.Message}", e);
        }
        model.Network.to(device);
        return new MultiTaskModel(model.Network, encoders, architecture, device);
    }

    /// <summary>Writes every parameter, by module path, as safetensors.</summary>
    public void SaveWeights(Stream destination)
    {
        Network.to(CPU);
        try { Network.save_safetensors(destination, leaveOpen: true); }
        finally { Network.to(Device); }
    }

    public void Dispose() => Network.Dispose();
}
