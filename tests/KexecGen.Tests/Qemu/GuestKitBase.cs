using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// What a QEMU test boots, made once per architecture: a Debian kernel fetched with apt, the kexec tool published with
/// NativeAOT, the libraries it links, and a static busybox for the guests' /init scripts.
/// </summary>
public abstract class GuestKitBase
{
    /// <summary>Where downloads are kept between runs.</summary>
    internal const string Cache = "/var/cache/kexecgen";

    /// <summary>The kernel image (Debian's vmlinuz).</summary>
    public string Kernel { get; protected init; } = "";

    /// <summary>The NativeAOT kexec tool.</summary>
    public byte[] KexecTool { get; protected init; } = Array.Empty<byte>();

    /// <summary>The libraries the tool links, at the paths the guest needs them.</summary>
    public IReadOnlyList<(string Path, byte[] Data)> Libraries { get; protected init; } = Array.Empty<(string, byte[])>();

    /// <summary>A static busybox of the guest's architecture.</summary>
    public byte[] Busybox { get; protected init; } = Array.Empty<byte>();

    /// <summary>
    /// A guest file system with busybox, the kexec tool and its libraries, plus <paramref name="init"/> as /init, and
    /// <paramref name="otherTool"/>'s files (another kexec and its libraries) but those of ours' libraries it shares.
    /// </summary>
    public Initramfs Base(string init, bool withKexec = true, IEnumerable<(string Path, byte[] Data)>? otherTool = null)
    {
        var fs = new Initramfs().CharDevice("dev/console", 5, 1).Executable("bin/busybox", Busybox).Script("init", init);
        if (withKexec)
        {
            fs.Executable("bin/kexec", KexecTool);
            foreach (var (path, data) in Libraries) fs.Executable(path, data);
        }
        var ours = Libraries.Select(l => l.Path.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, data) in (otherTool ?? []).Where(f => !ours.Contains(f.Path.TrimStart('/')))) fs.Executable(path, data);
        return fs;
    }

    /// <summary>
    /// Downloads <paramref name="packages"/> with apt-get (extra <paramref name="aptOptions"/> first) and unpacks each
    /// into <paramref name="into"/>, once: a later call finds the folder and returns at once.
    /// </summary>
    internal static void FetchPackages(string into, string[] aptOptions, params string[] packages)
    {
        if (Directory.Exists(into)) return;
        var download = Path.Combine(Cache, "download-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(download);
        var (dl, _, dlErr) = ProcessRunner.RunIn(download, "apt-get", TimeSpan.FromMinutes(5),
            aptOptions.Concat(new[] { "-o", "APT::Sandbox::User=root", "download" }).Concat(packages).ToArray());
        Assert.True(dl == 0, $"apt-get download {string.Join(' ', packages)} failed: {dlErr}");
        foreach (var deb in Directory.GetFiles(download, "*.deb"))
        {
            var (x, _, xErr) = ProcessRunner.Run("dpkg-deb", TimeSpan.FromMinutes(2), "-x", deb, Path.Combine(download, "root"));
            Assert.True(x == 0, $"dpkg-deb -x {deb} failed: {xErr}");
        }
        Directory.Move(Path.Combine(download, "root"), into);
        Directory.Delete(download, recursive: true);
    }

    /// <summary>The kernel package linux-image-<paramref name="flavour"/> depends on, as apt-cache names it.</summary>
    protected static string KernelPackage(string flavour, params string[] aptOptions)
    {
        var (code, depends, err) = ProcessRunner.Run("apt-cache", TimeSpan.FromMinutes(1), aptOptions.Concat(new[] { "depends", "linux-image-" + flavour }).ToArray());
        Assert.True(code == 0, $"apt-cache depends linux-image-{flavour} failed: {err}");
        var package = Regex.Match(depends, $@"Depends: (linux-image-[0-9][^\s]*-{flavour})").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(package), $"no kernel package in: {depends}");
        return package;
    }
}
