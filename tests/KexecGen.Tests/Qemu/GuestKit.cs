using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// What the QEMU tests boot, made once: a Debian amd64 kernel fetched with apt, the kexec tool published with
/// NativeAOT for linux-x64, the libraries it links, and a static busybox for the guests' /init scripts.
/// </summary>
public sealed class GuestKit
{
    private static readonly string Cache = "/var/cache/kexecgen";

    public string Kernel { get; }

    public byte[] KexecTool { get; }

    public IReadOnlyList<(string Path, byte[] Data)> Libraries { get; }

    public byte[] Busybox { get; }

    public GuestKit()
    {
        Kernel = FetchKernel();
        var tool = PublishedTools.Kexec("linux-x64", "the host's own build");
        KexecTool = File.ReadAllBytes(tool);
        Libraries = SharedLibraries(tool).Select(p => (p, File.ReadAllBytes(p))).ToList();
        const string busybox = "/bin/busybox";
        Assert.True(File.Exists(busybox), "static busybox is missing (apt-get install busybox-static; .ci/run does)");
        Busybox = File.ReadAllBytes(busybox);
    }

    /// <summary>A guest file system with busybox, the kexec tool and its libraries, plus <paramref name="init"/> as /init.</summary>
    public Initramfs Base(string init, bool withKexec = true)
    {
        var fs = new Initramfs().CharDevice("dev/console", 5, 1).Executable("bin/busybox", Busybox).Script("init", init);
        if (withKexec)
        {
            fs.Executable("bin/kexec", KexecTool);
            foreach (var (path, data) in Libraries) fs.Executable(path, data);
        }
        return fs;
    }

    // The newest linux-image-*-amd64 the metapackage names, downloaded and unpacked once into the cache.
    private static string FetchKernel()
    {
        var (code, depends, err) = ProcessRunner.Run("apt-cache", TimeSpan.FromMinutes(1), "depends", "linux-image-amd64");
        Assert.True(code == 0, $"apt-cache depends linux-image-amd64 failed: {err}");
        var package = Regex.Match(depends, @"Depends: (linux-image-[0-9][^\s]*-amd64)").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(package), $"no kernel package in: {depends}");
        var dir = Path.Combine(Cache, package);
        var vmlinuz = Directory.Exists(Path.Combine(dir, "boot")) ? Directory.GetFiles(Path.Combine(dir, "boot"), "vmlinuz-*").FirstOrDefault() : null;
        if (vmlinuz is not null) return vmlinuz;

        var download = Path.Combine(Cache, "download-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(download);
        var (dl, _, dlErr) = ProcessRunner.RunIn(download, "apt-get", TimeSpan.FromMinutes(5), "-o", "APT::Sandbox::User=root", "download", package);
        Assert.True(dl == 0, $"apt-get download {package} failed: {dlErr}");
        var deb = Directory.GetFiles(download, "*.deb").Single();
        var (x, _, xErr) = ProcessRunner.Run("dpkg-deb", TimeSpan.FromMinutes(2), "-x", deb, download + "/root");
        Assert.True(x == 0, $"dpkg-deb -x failed: {xErr}");
        Directory.CreateDirectory(dir);
        Directory.Move(Path.Combine(download, "root", "boot"), Path.Combine(dir, "boot"));
        Directory.Delete(download, recursive: true);
        return Directory.GetFiles(Path.Combine(dir, "boot"), "vmlinuz-*").Single();
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
