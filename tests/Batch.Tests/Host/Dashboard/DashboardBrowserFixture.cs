using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Batch.Host.Cli;
using Batch.Pipeline.Jobs;
using Batch.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using Xunit;

namespace Batch.Tests.Host.Dashboard;

/// <summary>
/// `serve` on a real port (all interfaces, so that a request can also come from another address), with two
/// nightly days run for each model the browser tests use, and Debian's chromium driven by Playwright.
/// </summary>
public sealed class DashboardBrowserFixture : IAsyncLifetime
{
    public static readonly string[] Models = ["web-list", "web-rerun", "web-roll", "web-forge"];
    public static readonly DateOnly Day1 = PipelineRig.LastDay.AddDays(-1);

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private WebApplication? _app;

    public StackFixture Stack { get; } = new();
    public WebApplication App => _app ?? throw new InvalidOperationException("Not started.");
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not started.");
    public int Port { get; private set; }
    public string Local => $"http://127.0.0.1:{Port}";

    /// <summary>This machine's own non-loopback IPv4 address: a request through it is not local.</summary>
    public static IPAddress OwnAddress =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("This machine has no non-loopback IPv4 address to send a remote request from.");

    public async Task InitializeAsync()
    {
        await Stack.InitializeAsync();
        await using (var rig = Rig())
        {
            await rig.SeedAsync();
            foreach (var model in Models)
            {
                await rig.RunAsync(model, Day1);
                await rig.RunAsync(model, PipelineRig.LastDay);
            }
        }
        _app = DashboardHost.Build([RetrainJob.Queue, "default"], 1, "http://0.0.0.0:0", c => c.AddInMemoryCollection(Settings()));
        await _app.StartAsync();
        Port = new Uri(_app.Urls.First()).Port;
        _playwright = await Playwright.CreateAsync();
        _browser = await Launch(_playwright);
    }

    public Dictionary<string, string?> Settings() => TinyProfiles.Settings(Stack.Postgres, Stack.Blobs, Stack.ContainerName, Models);

    public PipelineRig Rig() => new(Stack.Postgres, Stack.Blobs, Stack.ContainerName, Models);

    /// <summary>Debian's chromium, headless; as root without its sandbox; quiet on a machine with no outside network.</summary>
    public static Task<IBrowser> Launch(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Stack.DisposeAsync();
    }
}
