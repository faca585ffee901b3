using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests.Qemu;

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
