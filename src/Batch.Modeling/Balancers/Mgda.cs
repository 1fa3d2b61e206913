using static TorchSharp.torch;
using Batch.Core.Options;
using Batch.Modeling.Plugins;
namespace Batch.Modeling.Balancers;

/// <summary>
/// MGDA: the shared parameters move along the min-norm point of the convex hull of the task gradients (a
/// Pareto-stationary direction when it is zero); closed form for two tasks, Frank–Wolfe for more.
/// </summary>
/// <remarks>
/// Sener and Koltun, NeurIPS 2018. The solver sees the gradients normalised as configured (none, l2: by their
/// norm, loss: by the loss, loss+: by both); as in the authors' code, the weights it finds then scale the raw
/// task gradients: the update is Σ w_t·g_t.
/// </remarks>
public sealed class Mgda(string normalization) : GradientCombiningBalancer
{
    protected override double[] Coefficients(double[,] gram, IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(losses);
        var k = gram.GetLength(0);
        var scale = Enumerable.Range(0, k).Select(t =>
        {
            var norm = Math.Sqrt(gram[t, t]);
            var s = normalization switch
            {
                "l2" => norm,
                "loss" => losses[t],
                "loss+" => losses[t] * norm,
                _ => 1.0,
            };
            return s > 1e-12 ? s : 1.0;
        }).ToArray();
        var normalised = new double[k, k];
        for (var i = 0; i < k; i++)
            for (var j = 0; j < k; j++) normalised[i, j] = gram[i, j] / (scale[i] * scale[j]);
        return MinNormSolver.Solve(normalised);
    }
}

/// <summary>Registers <see cref="Mgda"/>.</summary>
public sealed class MgdaPlugin : IBalancerPlugin
{
    /// <summary>How task gradients may be normalised before the min-norm solve.</summary>
    public static readonly IReadOnlyList<string> Normalizations = ["none", "l2", "loss", "loss+"];

    public string Name => "mgda";
    public string Summary => "the min-norm combination of the task gradients (Normalization; Sener & Koltun, NeurIPS 2018)";
    public int Order => 50;

    public Type? SettingsType => typeof(MgdaSettings);

    public IEnumerable<string> Problems(BalancerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Settings.Problems<MgdaSettings>(PluginSettingsJson.BalancerPath, Name);
    }

    public ILossBalancer Create(BalancerOptions options, int tasks, Device device)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Mgda(options.Settings.Read<MgdaSettings>(Name).Normalization);
    }
}

/// <summary>The settings of MGDA.</summary>
public sealed class MgdaSettings : IPluginSettings
{
    /// <summary>How task gradients are normalised before the min-norm solve: none, l2, loss, loss+.</summary>
    public string Normalization { get; set; } = "loss+";

    public IEnumerable<string> Problems()
    {
        if (!MgdaPlugin.Normalizations.Contains(Normalization, StringComparer.Ordinal))
            yield return $"Normalization '{Normalization}' is not one of {string.Join(", ", MgdaPlugin.Normalizations)}";
    }
}
