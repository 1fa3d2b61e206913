using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Batch.Host.Cli;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Batch.Tests.Host.Dashboard;

/// <summary>The Models page's actions over HTTP, with a configured user: who acts is recorded, and a running day is not re-run.</summary>
[Collection(TorchGroup.Name)]
public sealed class ModelActionsTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private const string Model = "act";

    private async Task<(WebApplication App, HttpClient Client)> StartAsync()
    {
        var settings = TinyProfiles.Settings(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);
        settings["Batch:Dashboard:User"] = "ops";
        settings["Batch:Dashboard:PasswordSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var app = DashboardHost.Build(["default"], 1, "http://127.0.0.1:0", c => c.AddInMemoryCollection(settings));
        await app.StartAsync();
        var client = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(app.Urls.First()) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:s3cret")));
        return (app, client);
    }

    /// <summary>A POST as the page's script makes it: with the antiforgery token the page carries.</summary>
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string action, params (string Key, string Value)[] form)
    {
        var page = await client.GetStringAsync(new Uri("/hangfire/models", UriKind.Relative));
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/hangfire/models/{action}", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))),
        };
        request.Headers.Add(Regex.Match(page, "name=\"csrf-header\" content=\"([^\"]+)\"").Groups[1].Value, Regex.Match(page, "name=\"csrf-token\" content=\"([^\"]+)\"").Groups[1].Value);
        return await client.SendAsync(request);
    }

    private static async Task<string> MessageAsync(HttpResponseMessage response) =>
        System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString()!;

    [Fact]
    public async Task Rollback_ByTheConfiguredUser_IsRecordedWithTheirName_AndAnonymousCallersAreRefused()
    {
        await using var rig = new PipelineRig(stack.Postgres, stack.Blobs, stack.ContainerName, [Model]);
        await rig.SeedAsync();
        var v1 = (await rig.RunAsync(Model, PipelineRig.LastDay.AddDays(-1))).Version;
        await rig.RunAsync(Model, PipelineRig.LastDay);
        var (app, client) = await StartAsync();
        await using (app)
        using (client)
        {
            using var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync(new Uri("/hangfire/models/rollback", UriKind.Relative), new FormUrlEncodedContent([new("model", Model), new("version", v1)]))).StatusCode);

            var done = await PostAsync(client, "rollback", ("model", Model), ("version", v1));
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
            Assert.Contains($"to {v1} by ops (dashboard)", await MessageAsync(done), StringComparison.Ordinal);
            Assert.Equal((PromotionKind.Rollback, "ops (dashboard)"), ((await rig.Promotions.HistoryAsync(Model, CancellationToken.None))[^1] is var m ? (m.Kind, m.Actor) : default));
            Assert.Equal(v1, await ProductionInvariants.AssertAsync(rig, stack.DataSource, Model, moves: 3));

            var unknown = await PostAsync(client, "rollback", ("model", Model), ("version", "19990101-r1"));
            Assert.Equal(HttpStatusCode.Conflict, unknown.StatusCode);
            Assert.Contains("has no version 19990101-r1", await MessageAsync(unknown), StringComparison.Ordinal);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task ADayWithARunningAttempt_IsNotReRun_AndThePageShowsItsProgress()
    {
        var day = new DateOnly(2026, 9, 1);
        var ledger = new RunLedger(stack.DataSource);
        var running = await ledger.StartAsync(Model, day, "test", null, TimeSpan.FromMinutes(30), CancellationToken.None);
        await stack.ExecuteAsync($$"""update batch.runs set progress = '{"step":"train","done":13500,"total":27000,"unit":"samples","rate":4500,"remainingSeconds":3,"epoch":2,"epochs":3,"batch":5,"batches":9}' where id = {{running.Id}}""");
        var (app, client) = await StartAsync();
        await using (app)
        using (client)
        {
            var refused = await PostAsync(client, "rerun", ("model", Model), ("day", "2026-09-01"));
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains($"attempt 1 of act for 2026-09-01 is still running (run {running.Id}", await MessageAsync(refused), StringComparison.Ordinal);
            Assert.Equal(RunStatus.Running, (await ledger.RunAsync(running.Id, CancellationToken.None)).Status);

            var page = await client.GetStringAsync(new Uri("/hangfire/models", UriKind.Relative));
            Assert.Contains("train, epoch 2/3, 50 % (13,500/27,000 samples), 4,500 samples/s, ETA 0:03", page, StringComparison.Ordinal);
            Assert.Contains("title=\"an attempt of this day is running\"", page, StringComparison.Ordinal);

            var bad = await PostAsync(client, "rerun", ("model", "nosuch"), ("day", "2026-09-01"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("No model profile 'nosuch'", await MessageAsync(bad), StringComparison.Ordinal);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task ReRunningADayWhoseLabelsAreNotFinal_IsRefused_NamingWhenItMayRun()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        var (app, client) = await StartAsync();
        await using (app)
        using (client)
        {
            var refused = await PostAsync(client, "rerun", ("model", Model), ("day", $"{today:yyyy-MM-dd}"));
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var message = await MessageAsync(refused);
            Assert.StartsWith($"Not re-run: Day {today:yyyy-MM-dd} of act is not mature", message, StringComparison.Ordinal);
            Assert.Contains("its labels are final from", message, StringComparison.Ordinal);
            Assert.Empty(await new RunLedger(stack.DataSource).RunsAsync(Model, today, CancellationToken.None));
            await app.StopAsync();
        }
    }
}
