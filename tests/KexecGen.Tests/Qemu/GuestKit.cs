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
    protected const string Cache = "/var/cache/kexecgen";

    /// <summary>The kernel image (Debian's vmlinuz).</summary>
    public string Kernel { get; protected init; } = "";

    /// <summary>The NativeAOT kexec tool.</summary>
    public byte[] KexecTool { get; protected init; } = Array.Empty<byte>();

    /// <summary>The libraries the tool links, at the paths the guest needs them.</summary>
    public IReadOnlyList<(string Path, byte[] Data)> Libraries { get; protected init; } = Array.Empty<(string, byte[])>();

    /// <summary>A static busybox of the guest's architecture.</summary>
    public byte[] Busybox { get; protected init; } = Array.Empty<byte>();

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

    /// <summary>
    /// Downloads <paramref name="packages"/> with apt-get (extra <paramref name="aptOptions"/> first) and unpacks each
    /// into <paramref name="into"/>, once: a later call finds the folder and returns at once.
    /// </summary>
    protected static void FetchPackages(string into, string[] aptOptions, params string[] packages)
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

/// <summary>The x86_64 kit: Debian's amd64 kernel, the linux-x64 tool with the libraries ldd names, the host's busybox.</summary>
public sealed class GuestKit : GuestKitBase
{
    public GuestKit()
    {
        var package = KernelPackage("amd64");
        var root = Path.Combine(Cache, package);
        FetchPackages(root, Array.Empty<string>(), package);
        Kernel = Directory.GetFiles(Path.Combine(root, "boot"), "vmlinuz-*").Single();
        var tool = PublishedTools.Kexec("linux-x64", "the host's own build");
        KexecTool = File.ReadAllBytes(tool);
        Libraries = SharedLibraries(tool).Select(p => (p, File.ReadAllBytes(p))).ToList();
        const string busybox = "/bin/busybox";
        Assert.True(File.Exists(busybox), "static busybox is missing (apt-get install busybox-static; .ci/run does)");
        Busybox = File.ReadAllBytes(busybox);
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

/// <summary>
/// The arm64 kit: Debian's arm64 kernel and busybox-static, downloaded with apt's arm64 options (the machine's own dpkg
/// architectures untouched), the linux-arm64 tool, and the libraries its ELF header names from the cross libc.
/// </summary>
public sealed class Arm64GuestKit : GuestKitBase
{
    private const string CrossRoot = "/usr/aarch64-linux-gnu";

    public Arm64GuestKit()
    {
        var apt = Path.Combine(Cache, "apt-arm64");
        Directory.CreateDirectory(Path.Combine(apt, "lists", "partial"));
        Directory.CreateDirectory(Path.Combine(apt, "cache", "archives", "partial"));
        string[] options =
        {
            "-o", "APT::Architecture=arm64", "-o", "APT::Architectures=arm64", "-o", $"Dir::State::Lists={apt}/lists",
            "-o", $"Dir::Cache={apt}/cache", "-o", "Dir::State::status=/dev/null",
        };
        if (!Directory.EnumerateFiles(Path.Combine(apt, "lists")).Any())
        {
            var (code, _, err) = ProcessRunner.Run("apt-get", TimeSpan.FromMinutes(5), options.Concat(new[] { "-o", "APT::Sandbox::User=root", "update" }).ToArray());
            Assert.True(code == 0, $"apt-get update for arm64 failed: {err}");
        }
        var package = KernelPackage("arm64", options);
        var root = Path.Combine(Cache, package);
        FetchPackages(root, options, package, "busybox-static");
        Kernel = Directory.GetFiles(Path.Combine(root, "boot"), "vmlinuz-*").Single();
        Busybox = File.ReadAllBytes(Path.Combine(root, "bin", "busybox"));
        var tool = PublishedTools.Kexec("linux-arm64", "needs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, which .ci/run installs");
        KexecTool = File.ReadAllBytes(tool);
        Libraries = Needed(tool).Select(p => ("lib/" + Path.GetFileName(p), File.ReadAllBytes(p))).ToList();
    }

    // The interpreter and every DT_NEEDED library, recursively, from the cross libc (readelf reads any architecture).
    private static IEnumerable<string> Needed(string binary)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal) { Path.Combine(CrossRoot, "lib", "ld-linux-aarch64.so.1") };
        var queue = new Queue<string>(new[] { binary });
        while (queue.Count > 0)
        {
            var (code, output, err) = ProcessRunner.Run("readelf", TimeSpan.FromMinutes(1), "-d", queue.Dequeue());
            Assert.True(code == 0, $"readelf failed: {err}");
            foreach (Match m in Regex.Matches(output, @"\(NEEDED\)\s+Shared library: \[([^\]]+)\]"))
            {
                var path = Path.Combine(CrossRoot, "lib", m.Groups[1].Value);
                Assert.True(File.Exists(path), $"{path} is missing (libc6-arm64-cross; .ci/run installs libc6-dev-arm64-cross)");
                if (found.Add(path)) queue.Enqueue(path);
            }
        }
        return found;
    }
}
