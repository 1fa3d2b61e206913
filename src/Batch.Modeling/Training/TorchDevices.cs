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

    /// <summary>Sets how many threads a tensor operation on the CPU uses, for the whole process (<c>Batch:CpuThreads</c>); 0 leaves libtorch's default.</summary>
    public static void UseCpuThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (threads > 0 && get_num_threads() != threads) set_num_threads(threads);
    }
}
