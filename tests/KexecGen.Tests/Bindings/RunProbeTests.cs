using System;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Well over a hundred syscalls through the generated stubs (tests/KexecGen.RunProbe, bound by name): published with
/// NativeAOT and run natively on x86_64 and under qemu-aarch64 for arm64, each call's answer checked by the probe. Here:
/// no failure, every syscall its Bindings/arches.yaml binds called and answered as it should, and the file it wrote.
/// </summary>
[Collection(PublishedTools.Name)]
public class RunProbeTests
{
    private const string Project = "tests/KexecGen.RunProbe/KexecGen.RunProbe.csproj";

    [Theory]
    [InlineData("linux-x64", null)]
    [InlineData("linux-arm64", "qemu-aarch64-static")]
    public void EveryBoundSyscall_RunsThroughTheGeneratedStubs_AndAnswersAsItShould(string rid, string? qemu)
    {
        var arches = Path.Combine(Repo.Root, "tests", "KexecGen.RunProbe", "Bindings", "arches.yaml");
        var bound = ArchesParser.Parse(arches, File.ReadAllText(arches)).Value!.Bindings.Syscalls.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var binary = PublishedTools.Publish(Project, "run-probe", rid, "arm64 needs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, which .ci/run installs");
        var work = Directory.CreateTempSubdirectory("kexecgen-run-probe-").FullName;
        var marker = "kexecgen-run-probe-" + rid + "-" + Guid.NewGuid().ToString("N");
        try
        {
            var (code, stdout, stderr) = qemu is null
                ? ProcessRunner.Run(binary, TimeSpan.FromMinutes(2), work, marker)
                : ProcessRunner.Run(qemu, TimeSpan.FromMinutes(2), "-L", "/usr/aarch64-linux-gnu", binary, work, marker);

            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.DoesNotContain(lines, l => l.StartsWith("FAIL", StringComparison.Ordinal));
            var ok = lines.Where(l => l.StartsWith("ok ", StringComparison.Ordinal)).Select(l => l[3..]).ToList();
            Assert.Equal(ok.Count, ok.Distinct(StringComparer.Ordinal).Count()); // one line per syscall
            Assert.True(ok.Count >= 100, $"only {ok.Count} syscalls ran:\n{stdout}");
            // Every bound name was called and answered as it should; nothing else was reported.
            Assert.Empty(bound.Except(ok).Order(StringComparer.Ordinal));
            Assert.Empty(ok.Except(bound).Order(StringComparer.Ordinal));
            Assert.Equal($"summary: {bound.Count} syscalls ok, 0 failed", lines[^1]);

            // What the probe left: its marker, written by pwritev at 4096 into a new file, and no work folder.
            Assert.Equal(["written.bin"], Directory.EnumerateFileSystemEntries(work).Select(Path.GetFileName));
            var written = File.ReadAllBytes(Path.Combine(work, "written.bin"));
            Assert.Equal(4096 + marker.Length, written.Length);
            Assert.All(written.Take(4096), b => Assert.Equal(0, b));
            Assert.Equal(marker, Encoding.ASCII.GetString(written, 4096, marker.Length));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
