using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Batch.Host.Cli;
using Batch.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace Batch.Tests.Host;

/// <summary>The dashboard of <c>serve</c> on a real Kestrel port, with Hangfire storage in the real database.</summary>
/// <remarks>Beside the other Hangfire hosts in the sequential group: Hangfire keeps some configuration process-wide.</remarks>
[Collection(TorchGroup.Name)]
public sealed class DashboardHostTests(StackFixture stack) : IClassFixture<StackFixture>
{
    private async Task<(WebApplication App, HttpClient Client)> StartAsync(Dictionary<string, string?> extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Batch:ConnectionStrings:Postgres"] = stack.Postgres,
            ["Batch:ConnectionStrings:Blobs"] = stack.Blobs,
            ["Batch:BlobContainer"] = stack.ContainerName,
        };
        foreach (var (k, v) in extra) settings[k] = v;
        var app = DashboardHost.Build(["default"], 1, "http://127.0.0.1:0", c => c.AddInMemoryCollection(settings));
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) });
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

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string credentials)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/hangfire", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return client.SendAsync(request);
    }
}
