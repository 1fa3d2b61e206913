namespace Batch.Core.Results;

/// <summary>
/// What the architecture did on the held-out day: each gate's mean weight per expert (which experts serve which
/// task) and, for learned routing, the fraction of routes open.
/// </summary>
public sealed record ModelDiagnostics(IReadOnlyDictionary<string, IReadOnlyList<double>> MeanGateWeights, double? OpenRouteFraction);
