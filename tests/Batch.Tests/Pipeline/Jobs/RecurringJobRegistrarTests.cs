using Batch.Host.Cli;
using Batch.Pipeline.Jobs;
using Batch.Tests.Support;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Batch.Tests.Pipeline.Jobs;

/// <summary>
/// The jobs folder as serve registers it, on real Hangfire storage: a job's bad cron or model names its file and job; a
/// missing or empty folder (a mistyped Batch:JobsDirectory) is refused rather than taken to mean "remove every recurring
/// job" — unless --allow-no-jobs says so.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class RecurringJobRegistrarTests(StackFixture stack) : IClassFixture<StackFixture>, IDisposable
{
    private readonly string _jobs = Path.Combine(Path.GetTempPath(), "batch-jobs-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(_jobs)) Directory.Delete(_jobs, recursive: true);
    }

    private IHost Host(string jobsDirectory)
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, ["ranker"]);
        settings["Batch:JobsDirectory"] = jobsDirectory;
        return HostFactory.Build(configure: c => c.AddInMemoryCollection(settings));
    }

    private string Declare(string name, string json)
    {
        Directory.CreateDirectory(_jobs);
        var path = Path.Combine(_jobs, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void AnInvalidCron_NamesTheFileAndTheJob()
    {
        var file = Declare("broken.json", """{ "id": "ranker-hourly", "cron": "61 * * * *", "timeZone": "Europe/Amsterdam", "model": "ranker" }""");
        using var host = Host(_jobs);
        var e = Assert.Throws<InvalidDataException>(() => host.Services.GetRequiredService<RecurringJobRegistrar>().Register());
        Assert.StartsWith($"{file}: job 'ranker-hourly' has an invalid cron '61 * * * *' (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("Write five fields — minute hour day-of-month month day-of-week — such as \"30 2 * * *\".", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter 'cronExpression'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AJobOfAModelWithAnInvalidName_NamesTheFileAndTheRule()
    {
        var file = Declare("odd.json", """{ "id": "odd", "cron": "30 2 * * *", "timeZone": "Europe/Amsterdam", "model": "Ranker/<b>" }""");
        using var host = Host(_jobs);
        var e = Assert.Throws<InvalidDataException>(() => host.Services.GetRequiredService<RecurringJobRegistrar>().Register());
        Assert.StartsWith($"{file}: job 'odd' names model 'Ranker/<b>': ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AMissingOrEmptyJobsFolder_IsRefused_AndWithAllowNoJobsRemovesEveryRecurringJob(bool exists)
    {
        if (exists) Directory.CreateDirectory(_jobs);
        using var host = Host(_jobs);
        var manager = host.Services.GetRequiredService<IRecurringJobManager>();
        manager.AddOrUpdate("kept-job", () => Console.WriteLine("x"), Cron.Daily());
        var registrar = host.Services.GetRequiredService<RecurringJobRegistrar>();

        var e = Assert.ThrowsAny<SystemException>(() => registrar.Register());
        Assert.IsType(exists ? typeof(InvalidDataException) : typeof(DirectoryNotFoundException), e);

        Assert.Contains($"'{_jobs}' {(exists ? "holds no *.json job declaration" : "does not exist")}, so serve would remove every recurring job", e.Message, StringComparison.Ordinal);
        Assert.Contains("--allow-no-jobs", e.Message, StringComparison.Ordinal);
        using (var connection = host.Services.GetRequiredService<JobStorage>().GetConnection())
            Assert.Contains(connection.GetRecurringJobs(), j => j.Id == "kept-job");

        Assert.Empty(registrar.Register(allowNoJobs: true));
        using (var connection = host.Services.GetRequiredService<JobStorage>().GetConnection())
            Assert.Empty(connection.GetRecurringJobs());
    }
}
