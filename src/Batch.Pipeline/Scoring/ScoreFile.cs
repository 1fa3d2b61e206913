using System.Globalization;
using Batch.Evaluation;

namespace Batch.Pipeline.Scoring;

/// <summary>
/// The file <c>batch score</c> writes: CSV with a header, one row per impression in id order, a column
/// <c>p_{output}</c> per output of the model's tasks — for today's tasks <c>impression_id,p_ctr,p_cvr,p_ctcvr</c> —
/// probabilities written so that they read back to the same float.
/// </summary>
public static class ScoreFile
{
    /// <summary>The header for a model with the given outputs.</summary>
    public static string Header(IEnumerable<string> outputs) => string.Join(',', outputs.Select(o => "p_" + o).Prepend("impression_id"));

    public static void Write(ScoredDay scored, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(output);
        var (ids, p) = (scored.Frame.Ids, scored.Predictions);
        output.Write(Header(p.Names));
        output.Write('\n');
        for (var i = 0; i < ids.Length; i++)
        {
            output.Write(ids[i].ToString(CultureInfo.InvariantCulture));
            foreach (var column in p.Columns)
            {
                output.Write(',');
                output.Write(column[i].ToString("R", CultureInfo.InvariantCulture));
            }
            output.Write('\n');
        }
    }

    /// <summary>
    /// One line for the operator: what was scored, and how the scores rank the day's own labels — each binary main
    /// task's entire-space output over every impression (ctr and ctcvr for the default tasks).
    /// </summary>
    public static string Summary(ScoredDay scored, string path)
    {
        ArgumentNullException.ThrowIfNull(scored);
        var (frame, p, tasks) = (scored.Frame, scored.Predictions, scored.Tasks);
        var ranked = Enumerable.Range(0, tasks.Count).Where(t => tasks.Tasks[t].IsMain && !tasks.Tasks[t].IsRegression).Select(t =>
        {
            var label = frame.Label(tasks.LabelKeys[t]);
            return $"{tasks.LossNames[t]} AUC {Auc(p[tasks.LossNames[t]], [.. Enumerable.Range(0, frame.Count).Select(i => label(i) > 0)])}";
        });
        return string.Create(CultureInfo.InvariantCulture,
            $"Scored {frame.Count} impressions of {scored.Day:yyyy-MM-dd} with {scored.Model} {scored.Version} into {path}; against the day's labels: {string.Join(", ", ranked)}.");
    }

    // The day's labels may hold one class only (no conversion yet): then there is no AUC to give.
    private static string Auc(float[] scores, bool[] labels) =>
        labels.Contains(true) && labels.Contains(false) ? Metrics.Auc(scores, labels).ToString("F4", CultureInfo.InvariantCulture) : "n/a (one class)";
}
