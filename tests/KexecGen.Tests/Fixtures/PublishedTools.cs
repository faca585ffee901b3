using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace KexecGen.Tests;

/// <summary>Test classes that publish the kexec tool: one at a time, since they build the same projects.</summary>
[CollectionDefinition(Name)]
public sealed class PublishedTools
{
    /// <summary>The collection's name.</summary>
    public const string Name = "published tools";

    /// <summary>Publishes the kexec tool with NativeAOT for <paramref name="rid"/>; fails on any error or trim/AOT warning.</summary>
    public static string Kexec(string rid, string hint) => Publish(Path.Combine("src", "KexecGen.Cli", "KexecGen.Cli.csproj"), "kexec", rid, hint);

    /// <summary>Publishes <paramref name="project"/> (relative to the repository) with NativeAOT for <paramref name="rid"/>: the path of its <paramref name="binary"/>.</summary>
    public static string Publish(string project, string binary, string rid, string hint)
    {
        var output = Path.Combine(Path.GetTempPath(), $"kexecgen-{rid}-" + Guid.NewGuid().ToString("N"));
        var (code, stdout, stderr) = ProcessRunner.Run("dotnet", TimeSpan.FromMinutes(10),
            "publish", Path.Combine(Repo.Root, project),
            "-c", "Release", "-r", rid, "-o", output, "-nodeReuse:false", "-v", "q", "-nologo");
        Assert.True(code == 0, $"NativeAOT publish of {project} for {rid} failed ({hint}):\n{stdout}\n{stderr}");
        Assert.DoesNotContain("warning", stdout + stderr, StringComparison.OrdinalIgnoreCase); // no trim or AOT warning
        return Path.Combine(output, binary);
    }
}
