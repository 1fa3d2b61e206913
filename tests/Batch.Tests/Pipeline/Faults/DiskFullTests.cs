using System.Diagnostics;
using System.Globalization;
using Batch.Data.Shards;
using Batch.Pipeline.Ledger;
using Batch.Tests.Support;
using Xunit;

namespace Batch.Tests.Pipeline.Faults;

/// <summary>
/// The shard folder on a disk that fills up during extraction — a real, small tmpfs mounted for the test (CI runs as
/// root; so does the local stack's script when it installs): the run fails cleanly and its spools are gone, so the next
/// attempt, once there is room, succeeds; spools a dead process left are swept at once, whatever their age.
/// </summary>
[Collection(TorchGroup.Name)]
public sealed class DiskFullTests(StackFixture stack) : IClassFixture<StackFixture>, IAsyncLifetime
{
    private const string Model = "full";
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "batch-small-disk-" + Guid.NewGuid().ToString("N")[..10]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_mount);
        await ShellAsync($"mount -t tmpfs -o size=48k tmpfs '{_mount}'");
        await using var rig = Rig();
        await rig.SeedAsync();
    }

    public async Task DisposeAsync()
    {
        await ShellAsync($"umount '{_mount}'");
        Directory.Delete(_mount, recursive: true);
    }

    private PipelineRig Rig() => new(stack.Postgres, stack.Blobs, stack.ContainerName, [Model],
        extra: new() { ["Batch:ShardDirectory"] = _mount, ["Batch:ExtractionConnections"] = "1" });

    [Fact]
    public async Task ADiskFullingUpDuringExtraction_FailsTheRun_LeavesNoSpools_AndTheNextAttemptSucceedsOnceThereIsRoom()
    {
        await using var rig = Rig();

        var e = await Assert.ThrowsAnyAsync<IOException>(() => rig.RunAsync(Model));

        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        var run = (await rig.Ledger.RunsAsync(Model, PipelineRig.LastDay, CancellationToken.None)).Single();
        Assert.Equal(("extract", StepStatus.Failed), (await rig.Ledger.StepsAsync(run.Id, CancellationToken.None)).Select(s => (s.Step, s.Status)).Last());
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_mount), entry => entry.EndsWith(".tmp", StringComparison.Ordinal));

        await ShellAsync($"mount -o remount,size=8m '{_mount}'");
        var outcome = await rig.RunAsync(Model);
        Assert.Equal(RunStatus.Succeeded, outcome.Status);
    }

    [Fact]
    public void TheSweep_RemovesTheTemporaryEntriesOfAProcessThatIsGone_AtOnce_AndKeepsThoseOfLiveOnes()
    {
        var folder = Path.Combine(Path.GetTempPath(), "batch-sweep-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        try
        {
            using var exited = Process.Start(new ProcessStartInfo("true"))!;
            exited.WaitForExit();
            var host = TemporaryOwner.Current[..TemporaryOwner.Current.LastIndexOf('-')];
            var dead = Path.Combine(folder, $".spool.2026-10-20.{Guid.NewGuid():N}.{host}-{exited.Id.ToString(CultureInfo.InvariantCulture)}.tmp");
            var deadShard = Path.Combine(folder, $".2026-10-20.abc.shard.{Guid.NewGuid():N}.{host}-{exited.Id.ToString(CultureInfo.InvariantCulture)}.tmp");
            var live = Path.Combine(folder, $".spool.2026-10-20.{Guid.NewGuid():N}.{TemporaryOwner.Current}.tmp");
            var elsewhere = Path.Combine(folder, $".spool.2026-10-20.{Guid.NewGuid():N}.otherhost-{exited.Id.ToString(CultureInfo.InvariantCulture)}.tmp");
            Directory.CreateDirectory(dead);
            File.WriteAllText(deadShard, "x");
            Directory.CreateDirectory(live);
            Directory.CreateDirectory(elsewhere);

            var swept = new DayShards(null!, folder, TimeSpan.FromDays(14)).Sweep();

            Assert.Equal(2, swept);
            Assert.Equal(new[] { elsewhere, live }.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task ShellAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`{command}` exited with {process.ExitCode}: {error} (this test mounts a small tmpfs, which needs root, as CI and deploy/test.sh run)");
    }
}
