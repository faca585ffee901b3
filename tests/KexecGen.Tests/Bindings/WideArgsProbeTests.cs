using System;
using System.IO;
using System.Text;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The .NET stubs themselves with 64-bit arguments (tests/KexecGen.WideArgsProbe, bound by name): published with
/// NativeAOT and run natively on x86_64 and under qemu-aarch64 for arm64, each writing, reading, allocating and syncing
/// beyond 4 GiB of a sparse file, which this process then reads itself.
/// </summary>
[Collection(PublishedTools.Name)]
public class WideArgsProbeTests
{
    private const string Project = "tests/KexecGen.WideArgsProbe/KexecGen.WideArgsProbe.csproj";

    [Theory]
    [InlineData("linux-x64", null, "X64", 17)]
    [InlineData("linux-arm64", "qemu-aarch64-static", "Arm64", 67)]
    public void GeneratedStubs_ReachTheKernel_BeyondFourGiB(string rid, string? qemu, string architecture, int pread64)
    {
        var binary = PublishedTools.Publish(Project, "wide-args-probe", rid, "arm64 needs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, which .ci/run installs");
        var file = Path.Combine(Path.GetDirectoryName(binary)!, "sparse.bin");
        var marker = "kexecgen-dotnet-" + rid;

        var (code, stdout, stderr) = qemu is null
            ? ProcessRunner.Run(binary, TimeSpan.FromMinutes(2), file, marker)
            : ProcessRunner.Run(qemu, TimeSpan.FromMinutes(2), "-L", "/usr/aarch64-linux-gnu", binary, file, marker);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        // pread64's number is the ABI's own (x86_64: 17, arm64's generic table: 67): the AnyCPU stub chose it at run time.
        Assert.StartsWith($"ok {architecture} pread64={pread64} ", stdout, StringComparison.Ordinal);
        using var stream = File.OpenRead(file);
        Assert.Equal((7L << 30) + 4096, stream.Length);
        var read = new byte[marker.Length];
        stream.Position = (5L << 30) + 0x123;
        stream.ReadExactly(read);
        Assert.Equal(marker, Encoding.ASCII.GetString(read));
    }
}
