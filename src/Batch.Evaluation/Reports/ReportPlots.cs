using ScottPlot;

namespace Batch.Evaluation.Reports;

/// <summary>The PNG plots of a run report.</summary>
public static class ReportPlots
{
    private const int Width = 640;
    private const int Height = 400;

    public static byte[] Losses(IReadOnlyList<EpochSummary> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var plot = new Plot();
        double[] epochs = [.. history.Select(e => (double)e.Epoch)];
        var tasks = Tasks(history);
        foreach (var task in tasks)
            Line(plot, epochs, [.. history.Select(e => e.Losses.GetValueOrDefault(task, double.NaN))], $"{task} loss");
        if (history.Any(e => e.ValidationLosses is not null))
            foreach (var task in tasks)
                Line(plot, epochs, [.. history.Select(e => e.ValidationLosses?.GetValueOrDefault(task, double.NaN) ?? double.NaN)], $"{task} validation loss");
        return Render(plot, "Loss per task (training, validation)", "epoch", "mean loss");
    }

    /// <summary>The names the losses are recorded under, in the order the first epoch lists them (the tasks' order).</summary>
    private static List<string> Tasks(IReadOnlyList<EpochSummary> history) => history.Count == 0 ? [] : [.. history[0].Losses.Keys];

    public static byte[] Balancing(IReadOnlyList<EpochSummary> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var plot = new Plot();
        double[] epochs = [.. history.Select(e => (double)e.Epoch)];
        var tasks = Tasks(history);
        for (var t = 0; t < tasks.Count; t++)
            Line(plot, epochs, [.. history.Select(e => t < e.Weights.Count ? e.Weights[t] : double.NaN)], $"weight {tasks[t]}");
        if (history.Any(e => e.GradientCosine is not null))
            Line(plot, epochs, [.. history.Select(e => e.GradientCosine ?? double.NaN)], "gradient cosine");
        if (history.Any(e => e.ConflictRate is not null))
            Line(plot, epochs, [.. history.Select(e => e.ConflictRate ?? double.NaN)], "share of conflicting steps");
        return Render(plot, "Task weights and gradient agreement", "epoch", "");
    }

    /// <summary>Gates by rows, experts by columns: the mean weight each gate gave each expert on the held-out day.</summary>
    public static byte[] GateHeatMap(IReadOnlyDictionary<string, IReadOnlyList<double>> gates)
    {
        ArgumentNullException.ThrowIfNull(gates);
        var names = gates.Keys.Order(StringComparer.Ordinal).ToList();
        var experts = gates.Values.Max(w => w.Count);
        var data = new double[names.Count, experts];
        for (var g = 0; g < names.Count; g++)
            for (var e = 0; e < experts; e++)
                data[g, e] = e < gates[names[g]].Count ? gates[names[g]][e] : double.NaN;
        var plot = new Plot();
        var map = plot.Add.Heatmap(data);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, names.Count).Select(g => (double)(names.Count - 1 - g))], [.. names]);
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, experts).Select(e => (double)e)], [.. Enumerable.Range(0, experts).Select(e => $"expert {e}")]);
        return Render(plot, "Mean gate weight per expert", "", "", height: Math.Max(Height, 60 + 40 * names.Count));
    }

    public static byte[] Roc(string task, RocCurve candidate, RocCurve? production)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var plot = new Plot();
        Line(plot, candidate.FalsePositiveRate, candidate.TruePositiveRate, "candidate", markers: false);
        if (production is not null) Line(plot, production.FalsePositiveRate, production.TruePositiveRate, "production", markers: false);
        Diagonal(plot, 1);
        return Render(plot, $"ROC, {task}", "false-positive rate", "true-positive rate");
    }

    public static byte[] Calibration(string task, CalibrationCurve candidate, CalibrationCurve? production)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var plot = new Plot();
        Line(plot, candidate.MeanPredicted, candidate.ObservedRate, "candidate");
        if (production is not null) Line(plot, production.MeanPredicted, production.ObservedRate, "production");
        var top = candidate.MeanPredicted.Concat(candidate.ObservedRate).Concat(production?.MeanPredicted ?? []).Concat(production?.ObservedRate ?? []).Max();
        Diagonal(plot, top);
        return Render(plot, $"Calibration (reliability), {task}", "mean predicted probability", "observed rate");
    }

    private static void Line(Plot plot, double[] xs, double[] ys, string label, bool markers = true)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.MarkerSize = markers ? 5 : 0;
    }

    private static void Diagonal(Plot plot, double top)
    {
        var diagonal = plot.Add.Line(0, 0, top, top);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
    }

    private static byte[] Render(Plot plot, string title, string x, string y, int height = Height)
    {
        plot.Title(title);
        plot.XLabel(x);
        plot.YLabel(y);
        if (plot.GetPlottables().Any(p => p is ScottPlot.Plottables.Scatter)) plot.ShowLegend();
        return plot.GetImageBytes(Width, height, ImageFormat.Png);
    }
}
