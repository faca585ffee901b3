using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests.Qemu;

/// <summary>The x86_64 kit: Debian's amd64 kernel, the linux-x64 tool with the libraries ldd names, the host's busybox.</summary>
public sealed class GuestKit : GuestKitBase
{
    public GuestKit()
    {
        Kernel = DebianAmd64Kernel();
        var tool = PublishedTools.Kexec("linux-x64", "the host's own build");
        KexecTool = File.ReadAllBytes(tool);
        Libraries = SharedLibraries(tool).Select(p => (p, File.ReadAllBytes(p))).ToList();
        const string busybox = "/bin/busybox";
        Assert.True(File.Exists(busybox), "static busybox is missing (apt-get install busybox-static; .ci/run does)");
        Busybox = File.ReadAllBytes(busybox);
    }

    /// <summary>Debian's amd64 kernel (vmlinuz), fetched with apt once into the download cache.</summary>
    internal static string DebianAmd64Kernel()
    {
        var package = KernelPackage("amd64");
        var root = Path.Combine(Cache, package);
        FetchPackages(root, Array.Empty<string>(), package);
        return Directory.GetFiles(Path.Combine(root, "boot"), "vmlinuz-*").Single();
    }

    // The libraries ldd names, the loader included: a NativeAOT binary needs only libc's.
    private static IEnumerable<string> SharedLibraries(string binary)
    {
        var (code, output, err) = ProcessRunner.Run("ldd", TimeSpan.FromMinutes(1), binary);
        Assert.True(code == 0, $"ldd failed: {err}");
        foreach (Match m in Regex.Matches(output, @"(/\S+)"))
        {
            yield return m.Groups[1].Value;
        }
    }
}
