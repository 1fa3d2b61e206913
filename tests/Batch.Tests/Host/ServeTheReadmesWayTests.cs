using System.Net;
using System.Text;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>`dotnet run --project src/Batch.Host -- serve`, typed from the repository root as the README says.</summary>
[Collection(TorchGroup.Name)]
public sealed class ServeTheReadmesWayTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task Serve_FromTheRepositoryRoot_AnswersAndRegistersTheJobsOfJobsFolder()
    {
        var port = FreePort.Next();
        var settings = new Dictionary<string, string?>
        {
            ["Batch:ConnectionStrings:Postgres"] = stack.Postgres,
            ["Batch:ConnectionStrings:Blobs"] = stack.Blobs,
            ["Batch:BlobContainer"] = stack.ContainerName,
        };
        var log = new StringBuilder();
        using var serve = BatchProcess.StartCommand("dotnet", ["run", "--project", "src/Batch.Host", "--", "serve", "--urls", $"http://127.0.0.1:{port}"],
            BatchProcess.RepositoryRoot(), settings, log, log);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddMinutes(3);
            HttpResponseMessage? page = null;
            while (page?.StatusCode != HttpStatusCode.OK)
            {
                Assert.False(serve.HasExited, $"serve exited with {(serve.HasExited ? serve.ExitCode : 0)}:\n{Text(log)}");
                Assert.True(DateTime.UtcNow < deadline, $"serve did not answer within 3 minutes:\n{Text(log)}");
                await Task.Delay(500);
                try { page = await client.GetAsync(new Uri("/hangfire/recurring", UriKind.Relative)); }
                catch (HttpRequestException) { page = null; }
            }
            Assert.Contains("ranker-nightly", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Contains("recurring jobs: ranker-nightly (30 2 * * * Europe/Amsterdam)", Text(log), StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    private static string Text(StringBuilder log)
    {
        lock (log) return log.ToString();
    }
}
