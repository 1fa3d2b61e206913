namespace Batch.Core.Results;

/// <summary>The gate's answer: a result, never an exception.</summary>
/// <param name="Verdict">first-model, no-regression, rejected or not-enough-evidence</param>
/// <param name="Reasons">one line per rule applied, for people</param>
public sealed record GateDecision(bool Approved, string Verdict, IReadOnlyList<string> Reasons)
{
    /// <summary>Per judged task and measure: both values, the change, its 95 % interval, the p-values and the rule that decided.</summary>
    public IReadOnlyList<TaskJudgement> Judgements { get; init; } = [];

    /// <summary>
    /// The candidate against production in the survey's terms — well done, acceptable, see-saw, negative transfer
    /// or neutral — where up and down are significant AUC changes; null for a first model.
    /// </summary>
    public string? Transfer { get; init; }
}

/// <summary>
/// One measure of one task, candidate against production on the same held-out rows.
/// </summary>
/// <param name="Measure">auc, logloss, or mse (a regression's mean squared error)</param>
/// <param name="Change">AUC: candidate − production; logloss and mse: (candidate − production) / production</param>
/// <param name="Low">lower end of the 95 % interval of <paramref name="Change"/></param>
/// <param name="High">upper end of the 95 % interval of <paramref name="Change"/></param>
/// <param name="PWorse">one-sided p-value of "the candidate is worse"</param>
/// <param name="PBetter">one-sided p-value of "the candidate is better"</param>
/// <param name="PBeyondMargin">one-sided p-value of "the candidate is worse by more than the margin": the test that decides</param>
/// <param name="Movement">up or down (a significant change, better or worse) or flat</param>
/// <param name="Rule">the rule that decided, in words</param>
public sealed record TaskJudgement(
    string Task, string Measure, double Candidate, double Production, double Change, double Low, double High,
    double PWorse, double PBetter, double PBeyondMargin, string Movement, string Rule, bool Passed, int Positives);
