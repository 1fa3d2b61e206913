using System.Diagnostics;
using Batch.Data.Schema;
using Batch.Lab.Synthetic;
using Npgsql;
using Xunit;

namespace Batch.Tests.Support;

/// <summary>
/// A PostgreSQL 15 cluster of a test's own, from the same Debian binaries as the local stack, on a loopback port
/// of its own: a test can stop and restart it (a real server shutdown, connections cut with 57P01) without
/// disturbing the rest of the suite. As root, the server runs as the postgres user, as initdb requires.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncLifetime
{
    private readonly string _dir = Path.Combine("/tmp", "batch-throwaway-pg-" + Guid.NewGuid().ToString("N")[..10]);

    public int Port { get; } = FreePort.Next();

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=batch;Database=batch;Timeout=5";

    private static string Bin =>
        new[] { "/usr/lib/postgresql/15/bin" }.Concat(Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")) : [])
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl")))
        ?? throw new InvalidOperationException("PostgreSQL server binaries not found; deploy/local-stack.sh start installs them.");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        if (IsRoot) await ShellAsync($"chown postgres:postgres '{_dir}'", asPostgres: false);
        await ShellAsync($"'{Bin}/initdb' -D '{_dir}/data' -U batch --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null", asPostgres: true);
        await File.AppendAllTextAsync(Path.Combine(_dir, "data", "postgresql.conf"),
            $"listen_addresses = '127.0.0.1'\nport = {Port}\nunix_socket_directories = '{_dir}/data'\ntimezone = 'Asia/Kolkata'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        await StartAsync();
        await using (var admin = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username=batch;Database=postgres"))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand("create database batch", admin);
            await create.ExecuteNonQueryAsync();
        }
        await Migrator.ApplyAsync(ConnectionString, CancellationToken.None);
        await using var source = NpgsqlDataSource.Create(ConnectionString);
        await CanonicalSource.EnsureAsync(source, CancellationToken.None);
    }

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public Task StartAsync() => ShellAsync($"'{Bin}/pg_ctl' -D '{_dir}/data' -l '{_dir}/server.log' -w -t 60 start >/dev/null", asPostgres: true);

    /// <summary>Shuts the server down the way an operator's fast stop does: open connections are cut (57P01).</summary>
    public Task StopAsync() => ShellAsync($"'{Bin}/pg_ctl' -D '{_dir}/data' -m fast -w -t 60 stop >/dev/null", asPostgres: true);

    /// <summary>The server's own log, for a failing test's message.</summary>
    public string Log => File.Exists(Path.Combine(_dir, "server.log")) ? File.ReadAllText(Path.Combine(_dir, "server.log")) : "";

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(_dir, "data", "postmaster.pid")))
            await ShellAsync($"'{Bin}/pg_ctl' -D '{_dir}/data' -m immediate -w stop >/dev/null 2>&1 || true", asPostgres: true);
        Directory.Delete(_dir, recursive: true);
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static async Task ShellAsync(string command, bool asPostgres)
    {
        var start = asPostgres && IsRoot
            ? new ProcessStartInfo("su", ["postgres", "-s", "/bin/bash", "-c", command]) { WorkingDirectory = "/" }
            : new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = "/" };
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start: {command}");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"`{command}` exited with {process.ExitCode}: {error}");
    }
}
