using Batch.Lab.Comparisons;
using Batch.Lab.Synthetic;
using Microsoft.Extensions.DependencyInjection;

namespace Batch.Lab;

/// <summary>What the lab adds to the product's wiring: synthetic worlds and their truth, and the studies.</summary>
public static class LabServices
{
    public static IServiceCollection AddLab(this IServiceCollection services)
    {
        services.AddSingleton<SyntheticSeeder>();
        services.AddSingleton<SyntheticTruth>();
        services.AddTransient<ModelComparison>();
        services.AddTransient<RelatednessProbe>();
        services.AddTransient<GateBenchmark>();
        return services;
    }
}
