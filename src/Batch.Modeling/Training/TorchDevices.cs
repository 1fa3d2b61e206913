using static TorchSharp.torch;

namespace Batch.Modeling.Training;

/// <summary>Turns the configured <c>auto | cpu | cuda</c> into a device.</summary>
public static class TorchDevices
{
    public static Device Resolve(string setting) => setting switch
    {
        "cpu" => CPU,
        "cuda" => cuda.is_available()
            ? CUDA
            : throw new InvalidOperationException(
                "Batch:Device is 'cuda' but no CUDA device is usable: build with -p:TorchBackend=cuda on a machine with an NVIDIA driver (see deploy/README.md), or set Batch:Device to auto or cpu."),
        "auto" => cuda.is_available() ? CUDA : CPU,
        _ => throw new ArgumentException($"Batch:Device '{setting}' is not one of auto, cpu, cuda."),
    };
}
