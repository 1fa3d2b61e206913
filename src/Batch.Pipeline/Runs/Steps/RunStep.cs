using Batch.Core.Options;
using Batch.Pipeline.Ledger;
using static TorchSharp.torch;

namespace Batch.Pipeline.Runs.Steps;

/// <summary>
/// One step of an attempt: a name (its row in <c>batch.steps</c>), a typed input, a typed output for the steps after
/// it, and a typed detail record written to the ledger when it succeeds.
/// </summary>
internal interface IRunStep<in TInput, TOutput, TDetail> where TDetail : class
{
    string Name { get; }

    Task<StepResult<TOutput, TDetail>> RunAsync(TInput input, CancellationToken ct);
}

/// <summary>What a step hands on, and what it records.</summary>
internal sealed record StepResult<TOutput, TDetail>(TOutput Output, TDetail Detail) where TDetail : class;

/// <summary>What every step of one attempt knows: the run, its model's profile, the settings and the device.</summary>
internal sealed record Attempt(RunRecord Run, ModelProfile Profile, BatchOptions Settings, Device Device);
