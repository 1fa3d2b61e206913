using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Batch.Tests.Support;

/// <summary>
/// A TCP proxy on a loopback port of its own in front of a real server (Azurite), so that a test can take the
/// server away from one client without disturbing the rest of the suite: <see cref="Stop"/> refuses new
/// connections and resets the open ones, as a stopped server does; <see cref="Start"/> serves again on the same port.
/// </summary>
public sealed class TcpFaultProxy : IDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private Socket? _listener;
    private CancellationTokenSource? _stop;

    public TcpFaultProxy(IPEndPoint target)
    {
        _target = target;
        Port = FreePort.Next();
        Start();
    }

    public int Port { get; }

    /// <summary>Rewrites a storage connection string's blob endpoint to go through this proxy.</summary>
    public string Route(string connectionString) =>
        connectionString.Replace($"127.0.0.1:{_target.Port}", $"127.0.0.1:{Port}", StringComparison.Ordinal);

    public void Start()
    {
        if (_listener is not null) return;
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        listener.Listen(64);
        _listener = listener;
        _stop = new CancellationTokenSource();
        _ = AcceptAsync(listener, _stop.Token);
    }

    public void Stop()
    {
        _stop?.Cancel();
        _listener?.Close();
        _listener = null;
        foreach (var socket in _open.Keys) Reset(socket);
        _open.Clear();
    }

    private async Task AcceptAsync(Socket listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptAsync(ct); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = RelayAsync(client, ct);
        }
    }

    private async Task RelayAsync(Socket client, CancellationToken ct)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _open[client] = 0;
        _open[server] = 0;
        try
        {
            await server.ConnectAsync(_target, ct);
            await Task.WhenAny(PumpAsync(client, server, ct), PumpAsync(server, client, ct));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            // The proxy was stopped, or one side went away: the other side is reset below.
        }
        finally
        {
            Reset(client);
            Reset(server);
            _open.TryRemove(client, out _);
            _open.TryRemove(server, out _);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken ct)
    {
        var buffer = new byte[81920];
        while (true)
        {
            var read = await from.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0) return;
            await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, ct);
        }
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0); // close with RST, as a dead server's peer sees it
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // closed already
        }
    }

    public void Dispose()
    {
        Stop();
        _stop?.Dispose();
    }
}
