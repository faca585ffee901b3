using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using KexecGen.Scanner;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>The packages, packed once by .ci/pack into a local folder feed.</summary>
public sealed class PackedFeed
{
    public string Feed { get; }

    public PackedFeed()
    {
        Feed = Path.Combine(Path.GetTempPath(), "kexecgen-feed-" + Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = ProcessRunner.Run(Path.Combine(Repo.Root, ".ci", "pack"), TimeSpan.FromMinutes(10), Feed);
        Assert.True(code == 0, $".ci/pack failed:\n{stdout}\n{stderr}");
    }
}
