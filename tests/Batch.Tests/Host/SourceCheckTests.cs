using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>A source mapping the catalog refutes stops a verb at start-up, naming model, relation and column; a source that does not answer is said and left to the run.</summary>
[Collection(TorchGroup.Name)]
public sealed class SourceCheckTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task AFeatureColumnTheTableLacks_StopsTheVerbAtStartUp_NamingModelAndColumn()
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["cols"]);
        settings["Batch:Models:cols:Features:Numeric:1"] = "user_activty";

        var (exit, _, error) = await BatchProcess.RunAsync(["status", "--model", "cols"], settings);

        Assert.Equal(1, exit);
        Assert.StartsWith("batch: model profile 'cols': impressions has no column 'user_activty' (it has: clicked, device, event_time, hour_of_day, id, ", error, StringComparison.Ordinal);
        Assert.Contains("Fix Batch:Models:cols:Source or :Features, or the source.", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMappingHoldingSql_StopsTheVerbAtStartUp_NamingIt_AndNothingRuns()
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["cols"]);
        settings["Batch:Models:cols:Source:Impressions:Clicked"] = "clicked; drop table conversions";
        settings["Batch:Models:cols:Source:Conversions:Table"] = "sales.orders";

        var (exit, _, error) = await BatchProcess.RunAsync(["status", "--model", "cols"], settings);

        Assert.Equal(1, exit);
        Assert.Contains("model profile 'cols': impressions has no column 'clicked; drop table conversions'", error, StringComparison.Ordinal);
        Assert.Contains("relation 'sales.orders' (Source:Conversions:Table) does not exist", error, StringComparison.Ordinal);
        Assert.Equal(1L, await stack.ScalarAsync<long>("select count(*) from pg_class where relname = 'conversions'"));
    }

    [Fact]
    public async Task ASourceThatDoesNotAnswer_IsSaid_AndTheVerbGoesOn()
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["cols"]);
        settings["Batch:ConnectionStrings:Extraction"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=batch;Database=batch;Timeout=2";

        var (exit, output, _) = await BatchProcess.RunAsync(["status", "--model", "cols"], settings);

        Assert.Equal(0, exit);
        Assert.Contains("The source mapping was not checked against the source, which did not answer", output, StringComparison.Ordinal);
        Assert.Contains("No runs of cols yet.", output, StringComparison.Ordinal);
    }
}
