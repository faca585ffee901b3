using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The generated stubs on a foreign architecture: the arm64 build runs under qemu-aarch64, whose -strace shows which
/// syscalls the guest makes. One AnyCPU binding picked arm64's numbers (104 and 294), not x86_64's (246 and 320).
/// </summary>
[Collection(PublishedTools.Name)]
public class ForeignArchTests(Arm64Build build) : IClassFixture<Arm64Build>
{
    private const string Qemu = "qemu-aarch64-static";

    [Fact]
    public void Arm64Binary_IssuesArm64Numbers_AndReportsTheAnswer()
    {
        var (code, stdout, strace) = ProcessRunner.Run(Qemu, TimeSpan.FromMinutes(2), "-strace", "-L", "/usr/aarch64-linux-gnu", build.Binary, "probe");

        Assert.Equal(0, code);
        var lines = strace.Split('\n');
        // qemu names a syscall it knows in the guest's own table (kexec_load is aarch64's 104) and numbers one it lacks.
        Assert.Contains(lines, l => l.Contains(" kexec_load(0,17,0,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Unknown syscall 294", StringComparison.Ordinal) || l.Contains(" kexec_file_load(", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("syscall 246", StringComparison.Ordinal) || l.Contains("syscall 320", StringComparison.Ordinal));

        Assert.Contains("ABI arm64 (Arm64)", stdout, StringComparison.Ordinal);
        Assert.Contains("kexec_file_load (syscall 294): -1 ENOSYS", stdout, StringComparison.Ordinal);
        Assert.Contains("kexec_load (syscall 104): -1 ENOSYS", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Arm64Binary_TableNamesTheRunningAbi()
    {
        var (code, stdout, _) = ProcessRunner.Run(Qemu, TimeSpan.FromMinutes(2), "-L", "/usr/aarch64-linux-gnu", build.Binary, "table", "--abi", "arm64");

        Assert.Equal(0, code);
        Assert.Contains("This process runs as arm64: kexec_load is syscall 104, kexec_file_load 294.", stdout, StringComparison.Ordinal);
    }
}
