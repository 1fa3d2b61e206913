using Azure.Storage.Blobs;
using Batch.Host.Cli;
using Batch.Pipeline.Runs;
using Batch.Publishing;
using Batch.Tests.Support;
using Npgsql;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>A failed verb prints what failed and what to do in two lines, exits non-zero, and keeps the stack trace for --verbose and the log.</summary>
[Collection(TorchGroup.Name)]
public sealed class CliErrorsTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task AnUnreachableDatabase_ReadsAsTwoLines_WithTheTraceOnlyWithVerbose()
    {
        var settings = new Dictionary<string, string?> { ["Batch:ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=batch;Database=batch;Timeout=2" };

        var (exit, _, error) = await BatchProcess.RunAsync(["status", "--model", "ranker"], settings);

        Assert.Equal(1, exit);
        var lines = error.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("batch: cannot reach PostgreSQL: Failed to connect to 127.0.0.1:", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("Start it (deploy/local-stack.sh start) or fix Batch:ConnectionStrings:Postgres.", lines[1], StringComparison.Ordinal);
        Assert.Contains(CliErrors.LogPath, lines[1], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);

        var (verboseExit, _, verbose) = await BatchProcess.RunAsync(["status", "--model", "ranker", "--verbose"], settings);
        Assert.Equal(1, verboseExit);
        Assert.Contains("   at Npgsql.", verbose, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_SaysPointerAndLedgerAgree_OrFailsNamingBoth()
    {
        const string Model = "cli-rec";
        var (settings, version) = await PipelineRig.PublishedForCliAsync(stack, Model);

        var (exit, output, _) = await BatchProcess.RunAsync(["reconcile", "--model", Model], settings);
        Assert.Equal(0, exit);
        Assert.Contains($"{Model}: pointer and ledger agree: production is {version}", output, StringComparison.Ordinal);

        await new BlobServiceClient(stack.Blobs).GetBlobContainerClient(stack.ContainerName).GetBlobClient(ModelStore.PointerPath(Model))
            .UploadAsync(BinaryData.FromObjectAsJson(new ProductionPointer("20990101-r1", DateTimeOffset.UtcNow, version), ModelManifest.Json), overwrite: true);
        var (failed, _, error) = await BatchProcess.RunAsync(["reconcile", "--model", Model], settings);
        Assert.Equal(1, failed);
        var lines = error.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains($"names 20990101-r1, but the ledger's production is {version}", lines[0], StringComparison.Ordinal);
        Assert.Contains($"batch promote --model {Model} --version <{version} or 20990101-r1>", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_GivesTheInnerFailureOfAnAggregate_AndTheMessageOfOurOwnErrors()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:1", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        var (what, todo) = CliErrors.Describe(new AggregateException(refused));
        Assert.Equal("cannot reach PostgreSQL: Failed to connect to 127.0.0.1:1 (ConnectionRefused)", what);
        Assert.Equal("Start it (deploy/local-stack.sh start) or fix Batch:ConnectionStrings:Postgres.", todo);
        Assert.Equal(("'2026-13-01' is not a day; write it as yyyy-MM-dd.", ""), CliErrors.Describe(new FormatException("'2026-13-01' is not a day; write it as yyyy-MM-dd.")));
    }

    [Fact]
    public void Describe_AFailureTheLedgerCouldNotRecord_SaysBoth_AndWhatToDo()
    {
        var error = new FailureNotRecordedException("Run 7 failed (extraction broke), and recording that in the ledger failed too (the server went away); the ledger shows it running until its lease of 600 s lapses.",
            new InvalidOperationException("extraction broke"), new NpgsqlException("the server went away"));
        var (what, todo) = CliErrors.Describe(error);
        Assert.Equal(error.Message, what);
        Assert.Contains("re-run once the lease lapses", todo, StringComparison.Ordinal);
        Assert.Equal("extraction broke", error.RunError.Message);
    }
}
