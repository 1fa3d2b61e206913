using System.Reflection;
using System.Text.RegularExpressions;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Ledger;

/// <summary>The status and kind values the code writes are exactly those the database's check constraints allow.</summary>
public sealed partial class StatusValuesTests(StackFixture stack) : IClassFixture<StackFixture>
{
    public static TheoryData<string, string, string> Columns() => new()
    {
        { nameof(RunStatus), "batch.runs", "status" },
        { nameof(PromotionStatus), "batch.promotions", "status" },
        { nameof(PromotionKind), "batch.promotions", "kind" },
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public async Task TheCodesValues_AreTheConstraintsValues(string type, string table, string column)
    {
        var values = typeof(RunStatus).Assembly.GetType($"Batch.Pipeline.Ledger.{type}", throwOnError: true)!
            .GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order().ToList();

        var definitions = await stack.ScalarAsync<string>(
            $"select string_agg(pg_get_constraintdef(oid), ' | ') from pg_constraint where conrelid = '{table}'::regclass and contype = 'c'");
        var constraint = definitions.Split(" | ").Single(d => d.Contains($"({column} = ANY", StringComparison.Ordinal) || d.Contains($"(({column} = ANY", StringComparison.Ordinal));
        var allowed = Quoted().Matches(constraint).Select(m => m.Groups[1].Value).Order().ToList();

        Assert.NotEmpty(allowed);
        Assert.Equal(allowed, values);
    }

    [GeneratedRegex(@"'([a-z_-]+)'::text")]
    private static partial Regex Quoted();
}
