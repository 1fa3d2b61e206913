using System.Text.RegularExpressions;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Ledger;

/// <summary>The ledger's status and kind enums are exactly the values the database's check constraints allow.</summary>
public sealed partial class StatusValuesTests(StackFixture stack) : IClassFixture<StackFixture>
{
    public static TheoryData<string, string, string> Columns() => new()
    {
        { nameof(RunStatus), "batch.runs", "status" },
        { nameof(StepStatus), "batch.steps", "status" },
        { nameof(VersionStatus), "batch.model_versions", "status" },
        { nameof(PromotionStatus), "batch.promotions", "status" },
        { nameof(PromotionKind), "batch.promotions", "kind" },
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public async Task TheEnumsValues_AreTheConstraintsValues(string type, string table, string column)
    {
        var values = Values(typeof(RunStatus).Assembly.GetType($"Batch.Pipeline.Ledger.{type}", throwOnError: true)!).Order().ToList();

        var definitions = await stack.ScalarAsync<string>(
            $"select string_agg(pg_get_constraintdef(oid), ' | ') from pg_constraint where conrelid = '{table}'::regclass and contype = 'c'");
        var constraint = definitions.Split(" | ").Single(d => d.Contains($"({column} = ANY", StringComparison.Ordinal) || d.Contains($"(({column} = ANY", StringComparison.Ordinal));
        var allowed = Quoted().Matches(constraint).Select(m => m.Groups[1].Value).Order().ToList();

        Assert.NotEmpty(allowed);
        Assert.Equal(allowed, values);
    }

    [Fact]
    public void Text_And_Parse_AreInverse_AndAnUnknownTextIsAnError()
    {
        Assert.Equal("abandoned", RunStatus.Abandoned.Text());
        Assert.Equal(PromotionKind.Rollback, LedgerValues.Parse<PromotionKind>("rollback"));
        Assert.All(Enum.GetValues<StepStatus>(), v => Assert.Equal(v, LedgerValues.Parse<StepStatus>(v.Text())));
        var e = Assert.Throws<FormatException>(() => LedgerValues.Parse<RunStatus>("Succeeded"));
        Assert.Contains("running, succeeded, rejected, failed, abandoned", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((RunStatus)42).Text());
    }

    private static IEnumerable<string> Values(Type enumType) =>
        Enum.GetValues(enumType).Cast<object>().Select(v => (string)typeof(LedgerValues).GetMethod(nameof(LedgerValues.Text))!.MakeGenericMethod(enumType).Invoke(null, [v])!);

    [GeneratedRegex(@"'([a-z_-]+)'::text")]
    private static partial Regex Quoted();
}
