using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Batch.Core.Days;
using Batch.Core.Frames;
using Batch.Core.Options;
using Batch.Core.Results;
using Batch.Data.Extraction;
using Batch.Data.Validation;
using Batch.Evaluation;
using Batch.Modeling.Features;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;
using Batch.Publishing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace Batch.Pipeline.Runs;

/// <summary>
/// One attempt of (model, day): extract → validate → train → evaluate → gate → publish, every step in the ledger.
/// A rejected candidate is kept under <c>rejected/</c> and never promoted; a failed step publishes nothing.
/// </summary>
public sealed class RetrainPipeline(
    DayExtractor extractor,
    ModelStore store,
    RunLedger ledger,
    IOptions<BatchOptions> options,
    ResiliencePipeline transient,
    ILogger<RetrainPipeline> logger)
{
    public async Task<RunOutcome> RunAsync(string model, DateOnly day, string trigger, string? jobId, CancellationToken ct)
    {
        var settings = options.Value;
        var profile = settings.Profile(model);
        profile.Validate(model);
        var zone = settings.TimeZone();
        var lease = TimeSpan.FromMinutes(settings.RunLeaseMinutes);

        var run = await transient.ExecuteAsync(async t => await ledger.StartAsync(model, day, trigger, jobId, lease, t).ConfigureAwait(false), ct).ConfigureAwait(false);
        var dayText = DataDays.Format(day);
        PipelineLog.RunStarted(logger, run.Id, model, dayText, run.Attempt, trigger);
        await using var heartbeat = new Heartbeat(ledger, run.Id, lease / 4, logger);
        try
        {
            var outcome = await RunStepsAsync(run, profile, settings, zone, ct).ConfigureAwait(false);
            await ledger.FinishRunAsync(run.Id, outcome.Status, outcome.Promoted ? null : "rejected by the gate: " + string.Join("; ", outcome.Gate.Reasons), CancellationToken.None).ConfigureAwait(false);
            return outcome;
        }
        catch (Exception e)
        {
            try
            {
                await ledger.FinishRunAsync(run.Id, "failed", e.Message, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ledgerError)
            {
                throw new AggregateException($"Run {run.Id} failed, and marking it failed in the ledger failed too.", e, ledgerError);
            }
            throw;
        }
    }

    private async Task<RunOutcome> RunStepsAsync(RunRecord run, ModelProfile profile, BatchOptions settings, TimeZoneInfo zone, CancellationToken ct)
    {
        var steps = new RunSteps(ledger, run.Id, logger);
        var day = run.DataDay;
        var trainFirst = day.AddDays(-profile.TrainingDays);
        var trainLast = day.AddDays(-1);
        var device = TorchDevices.Resolve(settings.Device);

        var (train, heldOut) = await steps.RunAsync("extract", async () =>
        {
            var (t, h) = await TrainingData.ExtractAsync(extractor, transient, profile, settings, day, ct).ConfigureAwait(false);
            return ((t, h), (object)new { trainRows = t.Count, trainFirst, trainLast, heldOutRows = h.Count, heldOutDay = day });
        }, ct).ConfigureAwait(false);

        await steps.RunAsync("validate", () =>
        {
            TrainingData.Validate(run.Model, day, train, heldOut, profile);
            return Task.FromResult((true, (object)new
            {
                trainClickRate = Rate(train.Clicked), trainConversionRate = Rate(train.Converted),
                heldOutClickRate = Rate(heldOut.Clicked), heldOutConversionRate = Rate(heldOut.Converted),
            }));
        }, ct).ConfigureAwait(false);

        var (candidate, history) = await steps.RunAsync("train", () =>
        {
            var encoders = FeatureEncoders.Fit(train, profile.Features);
            var model = MultiTaskModel.Create(encoders, profile.Architecture, device, profile.Training.Seed);
            var epochs = Trainer.Train(model, encoders.Encode(train), profile.Training, ct);
            return Task.FromResult(((model, epochs), (object)new { device = device.ToString(), rows = train.Count, balancer = profile.Training.Balancer.Name, epochs }));
        }, ct).ConfigureAwait(false);
        using var _ = candidate;

        var pointer = await store.GetPointerAsync(run.Model, ct).ConfigureAwait(false);
        var (metrics, diagnostics, productionMetrics) = await steps.RunAsync("evaluate", async () =>
        {
            var (c, d) = ModelEvaluation.Evaluate(candidate, heldOut);
            IReadOnlyList<TaskMetrics>? p = null;
            if (pointer.Pointer is { } current)
            {
                var (manifest, weights) = await store.ReadVersionAsync(run.Model, current.Version, ct).ConfigureAwait(false);
                var encoders = manifest.Features.Deserialize<FeatureEncoders>(ModelManifest.Json)
                    ?? throw new InvalidDataException($"Version {current.Version} has no feature encoders in its manifest.");
                var productionFrame = SameFeatures(encoders, profile.Features)
                    ? heldOut
                    : await TrainingData.ExtractDaysAsync(
                        extractor, transient,
                        new FeatureOptions { Categorical = encoders.Categorical.Select(e => e.Column).ToList(), Numeric = encoders.Numeric.Select(e => e.Column).ToList() },
                        day, day, zone, settings.ConversionWindowDays, ct).ConfigureAwait(false);
                using var stream = new MemoryStream(weights);
                using var production = MultiTaskModel.Load(stream, encoders, manifest.Architecture, device);
                p = ModelEvaluation.Evaluate(production, productionFrame).Metrics;
            }
            return ((c, d, p), (object)new { candidate = c, diagnostics = d, production = p, productionVersion = pointer.Pointer?.Version });
        }, ct).ConfigureAwait(false);

        var gate = await steps.RunAsync("gate", async () =>
        {
            var decision = GatePolicy.Decide(profile.Gate, metrics, productionMetrics);
            await ledger.RecordGateAsync(run.Id, decision, metrics, productionMetrics, pointer.Pointer?.Version, ct).ConfigureAwait(false);
            return (decision, (object)decision);
        }, ct).ConfigureAwait(false);

        var version = $"{day:yyyyMMdd}-r{run.Id}";
        await steps.RunAsync("publish", async () =>
        {
            using var buffer = new MemoryStream();
            candidate.SaveWeights(buffer);
            var weights = buffer.ToArray();
            var manifest = new ModelManifest
            {
                Model = run.Model,
                Version = version,
                DataDay = day,
                TrainingFirstDay = trainFirst,
                TrainingLastDay = trainLast,
                CreatedAt = DateTimeOffset.UtcNow,
                RunId = run.Id,
                Architecture = profile.Architecture,
                Features = JsonSerializer.SerializeToNode(candidate.Encoders, ModelManifest.Json)!,
                Tasks = ["ctr", "cvr"],
                Metrics = metrics,
                Diagnostics = diagnostics,
                ProductionMetrics = productionMetrics,
                ProductionVersion = pointer.Pointer?.Version,
                Gate = gate,
                Training = JsonSerializer.SerializeToNode(profile.Training, ModelManifest.Json)!,
                TrainingHistory = JsonSerializer.SerializeToNode(history, ModelManifest.Json)!,
                WeightsSha256 = ModelStore.Sha256(weights),
                CodeVersion = CodeVersion,
            };
            await store.EnsureContainerAsync(ct).ConfigureAwait(false);
            var prefix = await store.WriteVersionAsync(manifest, weights, gate.Approved, ct).ConfigureAwait(false);
            // The pointer moves last, and only if nobody moved it since evaluation read it.
            if (gate.Approved)
                await store.PromoteAsync(run.Model, version, pointer.Pointer?.Version, pointer.ETag, ct).ConfigureAwait(false);
            await ledger.RecordVersionAsync(version, run.Model, run.Id, day, gate.Approved, prefix, metrics, ct).ConfigureAwait(false);
            return (true, (object)new { version, prefix, promoted = gate.Approved, container = store.ContainerName });
        }, ct).ConfigureAwait(false);

        return new RunOutcome(run.Id, run.Model, day, run.Attempt, gate.Approved ? "succeeded" : "rejected",
            metrics, productionMetrics, pointer.Pointer?.Version, gate, version, gate.Approved);
    }

    private static bool SameFeatures(FeatureEncoders encoders, FeatureOptions features) =>
        encoders.Categorical.Select(e => e.Column).SequenceEqual(features.Categorical, StringComparer.Ordinal)
        && encoders.Numeric.Select(e => e.Column).SequenceEqual(features.Numeric, StringComparer.Ordinal);

    private static double Rate(bool[] labels) => labels.Length == 0 ? 0 : (double)labels.Count(l => l) / labels.Length;

    private static string CodeVersion =>
        typeof(RetrainPipeline).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RetrainPipeline).Assembly.GetName().Version?.ToString(3) ?? "unknown";
}
