using System.Net;
using System.Text.RegularExpressions;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Batch.Host.Cli;
using Batch.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>The dashboard of <c>serve</c> on a real Kestrel port, with Hangfire storage in the real database.</summary>
/// <remarks>Beside the other Hangfire hosts in the sequential group: Hangfire keeps some configuration process-wide.</remarks>
[Collection(TorchGroup.Name)]
public sealed class DashboardHostTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private async Task<(WebApplication App, HttpClient Client)> StartAsync(Dictionary<string, string?> extra, string urls = "http://127.0.0.1:0")
    {
        var settings = new Dictionary<string, string?>
        {
            ["Batch:ConnectionStrings:Postgres"] = stack.Postgres,
            ["Batch:ConnectionStrings:Blobs"] = stack.Blobs,
            ["Batch:BlobContainer"] = stack.ContainerName,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        // No worker on the queue the tests enqueue to: their jobs stay put.
        var app = DashboardHost.Build(["default"], 1, urls, c => c.AddInMemoryCollection(settings));
        await app.StartAsync();
        return (app, new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)) });
    }

    [Fact]
    public async Task Dashboard_AnswersLocalRequests_WhenNoUserIsConfigured()
    {
        var (app, client) = await StartAsync([]);
        await using (app)
        using (client)
        {
            var response = await client.GetAsync(new Uri("/hangfire", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("Batch", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Dashboard_RequiresTheConfiguredUser_WhenAuthenticationIsConfigured()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var (app, client) = await StartAsync(new() { ["Batch:Dashboard:User"] = "ops", ["Batch:Dashboard:PasswordSha256"] = hash });
        await using (app)
        using (client)
        {
            var anonymous = await client.GetAsync(new Uri("/hangfire", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);

            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "ops:wrong")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "admin:s3cret")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "ops:s3cret")).StatusCode);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task APostWithoutTheAntiforgeryToken_IsRefused_AndOneFromTheDashboardsOwnPageWorks()
    {
        var (app, client) = await StartAsync([]);
        await using (app)
        using (client)
        {
            var jobs = app.Services.GetRequiredService<Hangfire.IBackgroundJobClient>();
            var id = Hangfire.BackgroundJobClientExtensions.Create(jobs, () => Console.WriteLine("kept"), new Hangfire.States.EnqueuedState("nobody-serves-this"));
            var delete = () => new HttpRequestMessage(HttpMethod.Post, new Uri("/hangfire/jobs/enqueued/delete", UriKind.Relative))
            {
                Content = new FormUrlEncodedContent([new("jobs[]", id)]),
            };

            // What a page on another origin can make a logged-in browser send: a form post with no token.
            var forged = delete();
            forged.Headers.Add("Origin", "http://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(forged)).StatusCode);
            Assert.Equal("Enqueued", State(app, id));

            // The dashboard's own page carries the token (a meta tag, plus its cookie); its scripts send it back.
            var page = await client.GetStringAsync(new Uri("/hangfire/jobs/enqueued", UriKind.Relative));
            var header = Regex.Match(page, "name=\"csrf-header\" content=\"([^\"]+)\"").Groups[1].Value;
            var token = Regex.Match(page, "name=\"csrf-token\" content=\"([^\"]+)\"").Groups[1].Value;
            Assert.NotEmpty(token);
            var genuine = delete();
            genuine.Headers.Add(header, token);
            Assert.True((await client.SendAsync(genuine)).IsSuccessStatusCode);
            Assert.Equal("Deleted", State(app, id));
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task ARequestFromAnotherAddress_IsRefused_WhenNoUserIsConfigured()
    {
        var address = Dashboard.DashboardBrowserFixture.OwnAddress;
        var (app, client) = await StartAsync([], "http://0.0.0.0:0");
        await using (app)
        using (client)
        {
            var port = new Uri(app.Urls.First()).Port;
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
            // The same dashboard reached through the machine's own network address is a remote request.
            using var remote = new HttpClient();
            var refused = await remote.GetAsync(new Uri($"http://{address}:{port}/hangfire"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task EveryAnswer_ForbidsFraming_AndCarriesThePolicy_NotOnlyTheOneThatSetsTheCookie()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("s3cret")));
        var (app, client) = await StartAsync(new() { ["Batch:Dashboard:User"] = "ops", ["Batch:Dashboard:PasswordSha256"] = hash });
        await using (app)
        using (client)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:s3cret")));
            var answers = new List<HttpResponseMessage>();
            foreach (var path in new[] { "/hangfire/models", "/hangfire/models", "/hangfire/jobs/enqueued", "/hangfire/models/report/nobody/v1/index.html", "/hangfire/models/assets/models.js" })
                answers.Add(await client.GetAsync(new Uri(path, UriKind.Relative)));
            using var anonymous = new HttpClient { BaseAddress = client.BaseAddress };
            answers.Add(await anonymous.GetAsync(new Uri("/hangfire/models", UriKind.Relative)));

            Assert.True(answers[0].Headers.Contains("Set-Cookie"));
            Assert.False(answers[1].Headers.Contains("Set-Cookie")); // the kind of answer Hangfire's own header was missing from
            Assert.Equal([200, 200, 200, 404, 200, 401], answers.Select(a => (int)a.StatusCode));
            foreach (var answer in answers)
            {
                Assert.Equal("DENY", Assert.Single(answer.Headers.GetValues("X-Frame-Options")));
                var policy = Assert.Single(answer.Headers.GetValues("Content-Security-Policy"));
                Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
                Assert.StartsWith("default-src 'self';", policy, StringComparison.Ordinal);
                Assert.Equal("nosniff", Assert.Single(answer.Headers.GetValues("X-Content-Type-Options")));
            }
            Assert.Equal("text/plain; charset=utf-8", answers[3].Content.Headers.ContentType!.ToString());
            Assert.Equal("No report file 'index.html' for nobody version v1.", await answers[3].Content.ReadAsStringAsync());
            await app.StopAsync();
        }
    }

    private static string? State(WebApplication app, string id)
    {
        using var connection = app.Services.GetRequiredService<Hangfire.JobStorage>().GetConnection();
        return connection.GetJobData(id)?.State;
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/hangfire", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client.SendAsync(request);
    }
}
