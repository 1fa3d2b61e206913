using Dapper;

namespace Batch.Pipeline.Ledger;

/// <summary>The column lists every ledger reader shares, and Dapper's handling of <see cref="DateOnly"/>.</summary>
internal static class LedgerSql
{
    public const string RunColumns =
        """
        id, model, data_day as DataDay, attempt, status, trigger, host, job_id as JobId, lease_token as LeaseToken,
        lease_seconds as LeaseSeconds, started_at as StartedAt, heartbeat_at as HeartbeatAt, finished_at as FinishedAt, error, note,
        progress::text as Progress, allow_immature_labels as AllowImmatureLabels
        """;

    public const string SelectRuns = $"select {RunColumns} from batch.runs";

    /// <summary>A run row's own recorded lease has not lapsed: the running attempt still holds its day.</summary>
    public const string LeaseHolds = "heartbeat_at + lease_seconds * interval '1 second' > now()";

    public const string SelectSteps =
        "select run_id as RunId, step, ordinal, status, started_at as StartedAt, finished_at as FinishedAt, detail::text as Detail, error from batch.steps";

    public const string SelectVersions =
        """
        select version, model, run_id as RunId, data_day as DataDay, status, container, blob_prefix as BlobPrefix, location
        from batch.model_versions
        """;

    public const string SelectPromotions =
        """
        select id, model, kind, version, expected_previous as ExpectedPrevious, run_id as RunId, actor, container, status,
               requested_at as RequestedAt, settled_at as SettledAt, outcome
        from batch.promotions
        """;

    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0) SqlMapper.AddTypeHandler(new DateOnlyHandler());
    }

    private sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateOnly value) => parameter.Value = value;

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new InvalidCastException($"Cannot read {value.GetType()} as a day."),
        };
    }
}
