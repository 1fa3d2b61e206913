using System.Net;
using Hangfire.Dashboard;

namespace Batch.Host.Dashboard;

/// <summary>
/// Without a configured user the dashboard answers requests from the loopback interface only. Hangfire's own
/// local-requests filter also lets in requests that come from the host's own non-loopback addresses, which any
/// machine that can route to that address can make; this one does not.
/// </summary>
public sealed class LoopbackOnlyAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var remote = context.GetHttpContext().Connection.RemoteIpAddress;
        return remote is not null && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);
    }
}
