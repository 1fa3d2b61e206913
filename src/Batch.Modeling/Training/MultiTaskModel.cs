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
    private MultiTaskModel(MultiTaskNetwork network, FeatureEncoders encoders, ArchitectureOptions architecture, TaskSet tasks, Device device)
    {
        Network = network;
        Encoders = encoders;
        Architecture = architecture;
        Tasks = tasks;
        Device = device;
    }

    public MultiTaskNetwork Network { get; }
    public FeatureEncoders Encoders { get; }
    public ArchitectureOptions Architecture { get; }

    /// <summary>What the network's logits are: one per task.</summary>
    public TaskSet Tasks { get; }
    public Device Device { get; }

    /// <summary>A freshly initialised model; parameters drawn from <paramref name="seed"/>.</summary>
    /// <param name="tasks">the tasks it is trained on; null for <see cref="TaskSet.Default"/></param>
    public static MultiTaskModel Create(FeatureEncoders encoders, ArchitectureOptions architecture, Device device, long seed, TaskSet? tasks = null)
    {
        ArgumentNullException.ThrowIfNull(encoders);
        tasks ??= TaskSet.Default;
        manual_seed(seed);
        var network = ArchitectureCatalog.Create(new ArchitectureContext(encoders.Cardinalities, encoders.Numeric.Count, tasks.Count, architecture, encoders.EmbeddingDims));
        network.to(device);
        return new MultiTaskModel(network, encoders, architecture, tasks, device);
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/>; a missing, extra or misshapen tensor fails.</summary>
    public static MultiTaskModel Load(Stream weights, FeatureEncoders encoders, ArchitectureOptions architecture, Device device, TaskSet? tasks = null)
    {
        var model = Create(encoders, architecture, CPU, seed: 0, tasks);
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
        return new MultiTaskModel(model.Network, encoders, architecture, model.Tasks, device);
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
