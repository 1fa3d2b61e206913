using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Batch.Modeling.Training;

namespace Batch.Tests.Support;

internal static class TorchThreads
{
    /// <summary>
    /// Tensor operations use one thread in every test, as with the shipped <c>Batch:CpuThreads</c>, set before any
    /// test runs: a thread takes the count when it first computes, so a test could not change it safely later.
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The test assembly is the process's entry point for these settings.")]
    internal static void OneThreadPerOperation() => TorchDevices.UseCpuThreads(1);
}
