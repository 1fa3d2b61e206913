namespace Batch.Core.Results;

/// <summary>
/// Offline metrics of one task's output on one evaluation day: AUC and logloss for a probability; for a regression
/// (AUC and logloss NaN) RMSE and MAE of the value. <c>Positives</c>: rows with the event, or with a value above 0.
/// </summary>
public sealed record TaskMetrics(string Task, double Auc, double LogLoss, int Count, int Positives)
{
    /// <summary>A regression's root mean squared error of the value; null for a probability.</summary>
    public double? Rmse { get; init; }

    /// <summary>A regression's mean absolute error of the value; null for a probability.</summary>
    public double? Mae { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsRegression => Rmse is not null;

    /// <summary>The first measure, for a table's AUC column: the AUC, or <c>RMSE …</c> for a regression.</summary>
    public string Primary() => Rmse is { } rmse ? Text($"RMSE {rmse:G5}") : Text($"{Auc:F4}");

    /// <summary>The second measure, for a table's logloss column: the logloss, or <c>MAE …</c> for a regression.</summary>
    public string Secondary() => Mae is { } mae ? Text($"MAE {mae:G5}") : Text($"{LogLoss:F5}");

    /// <summary>Both measures in words: <c>AUC …, logloss …</c> or <c>RMSE …, MAE …</c>.</summary>
    public string Summary() => IsRegression ? $"{Primary()}, {Secondary()}" : $"AUC {Primary()}, logloss {Secondary()}";

    private static string Text(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
