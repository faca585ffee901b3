using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using KexecGen.Scanner;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// The packages, packed once by .ci/pack into a local folder feed — from a fresh clone of HEAD, as a user runs it, so
/// that nothing the test run built beforehand can stand in for what .ci/pack must build itself. (Locally, uncommitted
/// changes are not in the packages: commit first.)
/// </summary>
public sealed class PackedFeed
{
    public string Feed { get; }

    public PackedFeed()
    {
        var clone = Path.Combine(Path.GetTempPath(), "kexecgen-clone-" + Guid.NewGuid().ToString("N"));
        var (cloned, _, cloneErr) = ProcessRunner.Run("git", TimeSpan.FromMinutes(5), "clone", "--quiet", Repo.Root, clone);
        Assert.True(cloned == 0, $"git clone of the repository failed: {cloneErr}");
        Feed = Path.Combine(Path.GetTempPath(), "kexecgen-feed-" + Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = ProcessRunner.Run(Path.Combine(clone, ".ci", "pack"), TimeSpan.FromMinutes(15), Feed);
        Assert.True(code == 0, $".ci/pack failed in a fresh clone:\n{stdout}\n{stderr}");
        Assert.Equal(6, Directory.GetFiles(Feed, "*.nupkg").Length);
    }
}
