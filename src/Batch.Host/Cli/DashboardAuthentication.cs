using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Batch.Core.Options;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Batch.Host.Cli;

/// <summary>HTTP Basic authentication of the dashboard against the configured user and password hash.</summary>
public sealed class DashboardAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<BatchOptions> settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "BatchDashboard";
    public const string Policy = "BatchDashboard";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var dashboard = settings.Value.Dashboard;
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter)); }
        catch (FormatException) { return Task.FromResult(AuthenticateResult.Fail("Malformed Basic credentials.")); }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return Task.FromResult(AuthenticateResult.Fail("Malformed Basic credentials."));
        var user = decoded[..colon];
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(decoded[(colon + 1)..])));
        // Both compared in constant time, so timing tells nothing about which part was wrong.
        var userOk = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(user), Encoding.UTF8.GetBytes(dashboard.User ?? ""));
        var passwordOk = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(hash), Encoding.UTF8.GetBytes((dashboard.PasswordSha256 ?? "").ToLowerInvariant()));
        if (!(userOk & passwordOk)) return Task.FromResult(AuthenticateResult.Fail("Wrong user or password."));
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Basic realm=\"Batch dashboard\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }
}
