using System.Diagnostics;
using System.Net;
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
        var root = RepositoryRoot();
        var port = FreePort.Next();
        var start = new ProcessStartInfo("dotnet", ["run", "--project", "src/Batch.Host", "--", "serve", "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Batch__ConnectionStrings__Postgres"] = stack.Postgres;
        start.Environment["Batch__ConnectionStrings__Blobs"] = stack.Blobs;
        start.Environment["Batch__BlobContainer"] = stack.ContainerName;
        var log = new System.Text.StringBuilder();
        using var serve = Process.Start(start)!;
        serve.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        serve.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var deadline = DateTime.UtcNow.AddMinutes(3);
            HttpResponseMessage? page = null;
            while (page?.StatusCode != HttpStatusCode.OK)
            {
                Assert.False(serve.HasExited, $"serve exited with {(serve.HasExited ? serve.ExitCode : 0)}:\n{log}");
                Assert.True(DateTime.UtcNow < deadline, $"serve did not answer within 3 minutes:\n{log}");
                await Task.Delay(500);
                try { page = await client.GetAsync(new Uri("/hangfire/recurring", UriKind.Relative)); }
                catch (HttpRequestException) { page = null; }
            }
            Assert.Contains("ranker-nightly", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Contains($"recurring jobs: ranker-nightly (30 2 * * * Europe/Amsterdam)", log.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Batch.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No Batch.sln above {AppContext.BaseDirectory}.");
    }
}
