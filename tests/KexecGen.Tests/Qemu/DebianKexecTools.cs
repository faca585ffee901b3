using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// Debian's kexec-tools for amd64, the reference our loader is compared with in the x86_64 guests: its kexec binary
/// and every library it links (libxenctrl's among them), fetched with apt once and kept in the download cache.
/// </summary>
public sealed class DebianKexecTools
{
    /// <summary>Where the guest finds it.</summary>
    public const string GuestPath = "/sbin/kexec-tools";

    /// <summary>The package's version, as apt names it.</summary>
    public string Version { get; }

    /// <summary>The binary and its libraries at the paths the guest needs them (the libraries in the loader's default directory).</summary>
    public IReadOnlyList<(string Path, byte[] Data)> Files { get; }

    public DebianKexecTools()
    {
        var (code, policy, err) = ProcessRunner.Run("apt-cache", TimeSpan.FromMinutes(1), "policy", "kexec-tools");
        Assert.True(code == 0, $"apt-cache policy kexec-tools failed: {err}");
        Version = Regex.Match(policy, @"Candidate: (\S+)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(Version) || Version == "(none)", "apt knows no kexec-tools package: " + policy);
        var root = Path.Combine(GuestKitBase.Cache, "kexec-tools-" + Version.Replace(':', '_'));
        GuestKitBase.FetchPackages(root, Array.Empty<string>(), new[] { "kexec-tools" }.Concat(LibrariesNotOnTheHost()).ToArray());

        var binary = Path.Combine(root, "sbin", "kexec");
        var libraryPath = string.Join(':', new[] { "lib", "usr/lib" }.Select(d => Path.Combine(root, d, "x86_64-linux-gnu")));
        var (lddCode, ldd, lddErr) = ProcessRunner.Run("env", TimeSpan.FromMinutes(1), "LD_LIBRARY_PATH=" + libraryPath, "ldd", binary);
        Assert.True(lddCode == 0 && !ldd.Contains("not found", StringComparison.Ordinal), $"ldd {binary} found not every library: {ldd}{lddErr}");
        var files = new List<(string, byte[])> { (GuestPath, File.ReadAllBytes(binary)) };
        foreach (Match m in Regex.Matches(ldd, @"=> (/\S+)"))
        {
            files.Add(("/lib/x86_64-linux-gnu/" + Path.GetFileName(m.Groups[1].Value), File.ReadAllBytes(m.Groups[1].Value)));
        }
        Files = files;
    }

    // The library packages kexec-tools depends on, recursively, that the host has not installed (libxenctrl and the
    // rest of Xen's): the host's own libc and the like serve the guest as they serve our tool.
    private static IEnumerable<string> LibrariesNotOnTheHost()
    {
        var (code, depends, err) = ProcessRunner.Run("apt-cache", TimeSpan.FromMinutes(1), "depends", "--recurse", "--no-recommends", "--no-suggests",
            "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", "kexec-tools");
        Assert.True(code == 0, $"apt-cache depends --recurse kexec-tools failed: {err}");
        foreach (var package in depends.Split('\n').Where(l => Regex.IsMatch(l, "^lib[a-z0-9.+-]+$")).Distinct(StringComparer.Ordinal))
        {
            var (installed, status, _) = ProcessRunner.Run("dpkg-query", TimeSpan.FromMinutes(1), "-W", "-f=${Status}", package);
            if (installed != 0 || !status.Contains("install ok installed", StringComparison.Ordinal)) yield return package;
        }
    }
}
