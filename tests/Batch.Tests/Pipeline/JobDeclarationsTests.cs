using Batch.Pipeline.Jobs;
using Xunit;

namespace Batch.Tests.Pipeline;

public class JobDeclarationsTests
{
    [Fact]
    public void Resolve_FindsARelativeJobsFolderBesideTheExecutable_WhenTheWorkingFolderHasNone()
    {
        Assert.True(Directory.Exists(JobDeclarations.Resolve("jobs")));
        Assert.Equal(["ranker-nightly"], JobDeclarations.Load(JobDeclarations.Resolve("jobs")).Select(j => j.Id));
        Assert.Equal("/etc/batch/jobs", JobDeclarations.Resolve("/etc/batch/jobs"));
        Assert.Equal("no-such-folder", JobDeclarations.Resolve("no-such-folder"));
    }
}
