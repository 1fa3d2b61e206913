using Batch.Core.Results;
using Batch.Data.Shards;
using Batch.Modeling.Training;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Batch.Tests.Pipeline.Ledger;

/// <summary>Each step's detail is a typed record that the ledger writes and gives back as it was.</summary>
public sealed class StepDetailsTests(StackFixture stack) : IClassFixture<StackFixture>
{
    public static TheoryData<string, object> Details() => new()
    {
        { "preflight", new PreflightDetail("models", "http://127.0.0.1:10100/devstoreaccount1/models", true, false, "20260101-r1", "20260101-r1", null, ["promotion 3 (publish of 20260101-r1 by run 1) applied: repaired"]) },
        {
            "extract", new ExtractDetail(6000, [2000, 2000, 2000], new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 3), 2100, new DateOnly(2026, 1, 4))
            {
                Shards = [new ShardUse(new DateOnly(2026, 1, 1), true, "source day unchanged"), new ShardUse(new DateOnly(2026, 1, 2), false, "source day changed")],
            }
        },
        { "validate", new ValidateDetail(0.05, 0.004, 0.051, 0.0045) },
        {
            "train", new TrainDetail("cpu", 6000, 2000, "pcgrad", 2,
                [new EpochLoss(1, Losses(0.2, 0.03), [1.0, 1.0], 0.25, 0.1) { ValidationLosses = Losses(0.21, 0.031) },
                 new EpochLoss(2, Losses(0.19, 0.029), [0.9, 1.1], null, null) { ValidationLosses = Losses(0.2, 0.03), Kept = true }])
        },
        {
            "evaluate", new EvaluateDetail(
                [new TaskMetrics("ctr", 0.68, 0.186, 2100, 100)], new ModelDiagnostics(new Dictionary<string, IReadOnlyList<double>> { ["task0"] = [0.25, 0.75] }, null),
                null, null)
        },
        { "publish", new PublishDetail("20260104-r2", "ranker/versions/20260104-r2/", "models", "http://x/models/ranker/versions/20260104-r2/", true, false) { Promoted = true, PointerWrite = "Applied" } },
    };

    [Theory]
    [MemberData(nameof(Details))]
    public async Task AStepsDetail_ReadsBackAsItWasWritten(string step, object detail)
    {
        var ledger = new RunLedger(stack.DataSource);
        var run = await ledger.StartAsync("details-" + step, new DateOnly(2026, 1, 4), "test", null, TimeSpan.FromMinutes(5), CancellationToken.None);
        await using (var hold = RunHold.Begin(ledger, run, NullLogger.Instance))
        {
            await hold.StartStepAsync(step, 0, CancellationToken.None);
            await hold.FinishStepAsync(step, detail, CancellationToken.None);
            await hold.FinishRunAsync(RunStatus.Succeeded, null, null, CancellationToken.None);
        }

        object? read = detail switch
        {
            PreflightDetail => await ledger.StepDetailAsync<PreflightDetail>(run.Id, step, CancellationToken.None),
            ExtractDetail => await ledger.StepDetailAsync<ExtractDetail>(run.Id, step, CancellationToken.None),
            ValidateDetail => await ledger.StepDetailAsync<ValidateDetail>(run.Id, step, CancellationToken.None),
            TrainDetail => await ledger.StepDetailAsync<TrainDetail>(run.Id, step, CancellationToken.None),
            EvaluateDetail => await ledger.StepDetailAsync<EvaluateDetail>(run.Id, step, CancellationToken.None),
            PublishDetail => await ledger.StepDetailAsync<PublishDetail>(run.Id, step, CancellationToken.None),
            _ => throw new ArgumentException(detail.GetType().Name),
        };

        Assert.NotNull(read);
        Assert.Equivalent(detail, read, strict: true);
        Assert.Null(await ledger.StepDetailAsync<ExtractDetail>(run.Id, "no-such-step", CancellationToken.None));
    }

    private static Dictionary<string, double> Losses(double ctr, double ctcvr) => new() { ["ctr"] = ctr, ["ctcvr"] = ctcvr };
}
