using Batch.Core.Options;
using Batch.Data.Extraction;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Data.Extraction;

/// <summary>
/// A mapping the catalog refutes is named, relation and column, before anything is read; a name holding SQL is a name
/// the catalog does not have, never SQL that runs.
/// </summary>
public sealed class SourceProblemsTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private static readonly FeatureOptions Features = new() { Categorical = ["device"], Numeric = ["price"] };

    private async Task<IReadOnlyList<string>> ProblemsAsync(Action<SourceOptions> map, FeatureOptions? features = null)
    {
        var source = new SourceOptions();
        map(source);
        await using var connection = await stack.DataSource.OpenConnectionAsync();
        return await SourceSql.ProblemsAsync(connection, new SourceSpec(source, features ?? Features, TimeZoneInfo.Utc, 2), CancellationToken.None);
    }

    [Fact]
    public async Task TheCanonicalTables_HaveNoProblem()
    {
        Assert.Empty(await ProblemsAsync(_ => { }));
    }

    [Fact]
    public async Task AMissingRelation_IsNamedWithItsSetting()
    {
        var problems = await ProblemsAsync(s => s.Impressions.Table = "logs.nope");
        Assert.Equal(["relation 'logs.nope' (Source:Impressions:Table) does not exist, or is not visible to this role"], problems);
        Assert.Equal(["no relation matches Source:Conversions:Table 'orders_{yyyyMMdd}' (one table per day)"], await ProblemsAsync(s => s.Conversions.Table = "orders_{yyyyMMdd}"));
    }

    [Fact]
    public async Task MissingColumns_AreNamedWithTheColumnsThereAre()
    {
        var problems = await ProblemsAsync(s => s.Conversions.ImpressionId = "impression", new FeatureOptions { Categorical = ["devise"], Numeric = ["price"] });
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("impressions has no column 'devise' (it has: clicked, device, event_time, ", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("conversions has no column 'impression' (it has: conversion_id, event_time, impression_id, value)", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AColumnOfTheWrongType_IsNamedWithBothTypes()
    {
        var problems = await ProblemsAsync(s => { s.Impressions.Id = "user_segment"; s.Impressions.Clicked = "price"; s.Conversions.Time = "value"; });
        Assert.Equal(
            ["impressions.user_segment is text, not integer", "impressions.price is float8, not boolean or integer", "conversions.value is numeric, not timestamptz (a view can convert it: … at time zone '<its zone>')"],
            problems);
    }

    [Fact]
    public async Task ANameHoldingSql_IsANameTheCatalogLacks_AndNothingRuns()
    {
        var problems = await ProblemsAsync(s => { s.Impressions.Clicked = "clicked; drop table conversions"; s.Conversions.Table = "conversions; drop table impressions"; });

        Assert.Contains(problems, p => p.StartsWith("impressions has no column 'clicked; drop table conversions'", StringComparison.Ordinal));
        Assert.Contains("relation 'conversions; drop table impressions' (Source:Conversions:Table) does not exist, or is not visible to this role", problems);
        Assert.Equal(2L, await stack.ScalarAsync<long>("select count(*) from pg_class where relname in ('impressions', 'conversions') and relkind = 'p'"));
    }

    [Fact]
    public async Task RowVersionsOfAView_AreRefused_NamingTheAlternatives()
    {
        await stack.ExecuteAsync("create or replace view v_impressions as select * from impressions");
        var problems = await ProblemsAsync(s => s.Impressions.Table = "v_impressions");
        Assert.Equal(["v_impressions is a view, which has no row versions: set Source:ChangeDetection to column:<a column that changes with every write, such as ingested_at> or none"], problems);
        Assert.Empty(await ProblemsAsync(s => { s.Impressions.Table = "v_impressions"; s.ChangeDetection = "none"; }));
        Assert.Equal(
            ["impressions has no column 'ingested_at' (it has: clicked, device, event_time, hour_of_day, id, item_category, item_id, price, slot_position, user_activity, user_id, user_segment)",
             "conversions has no column 'ingested_at' (it has: conversion_id, event_time, impression_id, value)"],
            await ProblemsAsync(s => s.ChangeDetection = "column:ingested_at"));
    }

    [Theory]
    [InlineData("a.b.c", "is not a relation")]
    [InlineData("views_{yyyyMMdd}_{dd}", "at most one date pattern")]
    [InlineData("views_{}", "does not change with the day")]
    [InlineData("views_{x}", "is not a date pattern")]
    [InlineData("views_{abc}", "does not change with the day")]
    [InlineData("", "no relation named")]
    public void AMalformedTable_IsAProblemOfTheProfile(string table, string expected)
    {
        var source = new SourceOptions { Impressions = { Table = table } };
        Assert.Contains(source.Problems(), p => p.StartsWith("Source:Impressions:Table", StringComparison.Ordinal) && p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void APerDayTable_NamesEachDaysTable_Quoted()
    {
        var table = SourceTable.Parse("logs.ad_views_{yyyyMMdd}");
        Assert.Equal("\"logs\".\"ad_views_20261124\"", table.Quoted(new DateOnly(2026, 11, 24)));
        Assert.Equal("\"we\"\"ird\"", SourceTable.Identifier("we\"ird"));
        Assert.Equal(["Source:ChangeDetection must be row-version, column:<column> or none (it is 'xmin')"], new SourceOptions { ChangeDetection = "xmin" }.Problems());
    }
}
