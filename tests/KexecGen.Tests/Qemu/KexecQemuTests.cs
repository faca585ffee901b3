using System;
using Xunit;
using Xunit.Abstractions;
using KexecGen.Boot.X86;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// Real kexec inside QEMU (x86_64, TCG), with nothing from kexec-tools: the NativeAOT kexec tool in a test-built
/// initramfs loads a kernel and boots into it. A test passes only on the marker the second stage prints.
/// </summary>
[Collection(PublishedTools.Name)]
public class KexecQemuTests(GuestKit kit, ITestOutputHelper log) : IClassFixture<GuestKit>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);
    private const string Console = "console=ttyS0 panic=-1 loglevel=4 " + QemuTarget.X86KernelOptions;

    [Fact]
    public void KexecFileLoad_BootsTheSecondKernel()
    {
        var marker = Guid.NewGuid().ToString("N");
        // The command line is padded to the most this kernel takes (the limit its bzImage header gives, with the NUL):
        // the kernel must accept it, and one byte more, which it refuses with EINVAL, must be named as the reason.
        var limit = BzImage.CommandLineLimit(System.IO.File.ReadAllBytes(kit.Kernel))
            ?? throw new InvalidOperationException($"{kit.Kernel} states no command-line size");
        var line = $"{Console} kexecgen_marker={marker} kexecgen_pad=";
        line += new string('x', checked((int)limit - 1 - line.Length));
        var second = kit.Base(GuestScripts.SecondInit, withKexec: false).ToArray();
        var first = kit.Base(GuestScripts.FirstInit($"""
            /bin/kexec -s -l /vmlinuz --initrd /second.cpio --append "{line}x"
            echo "KEXECGEN-TOO-LONG-EXIT $?"
            {GuestScripts.LoadAndExecute($"/bin/kexec -s -l /vmlinuz --initrd /second.cpio --append \"{line}\"")}
            """))
            .File("vmlinuz", System.IO.File.ReadAllBytes(kit.Kernel))
            .File("second.cpio", second)
            .ToArray();

        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console, Limit);
        GuestScripts.Log(log, console, elapsed);

        Assert.True(console.Contains($"takes at most {limit}", StringComparison.Ordinal) && console.Contains("KEXECGEN-TOO-LONG-EXIT 1", StringComparison.Ordinal),
            "a command line one byte over the limit was not named as the reason of the kernel's EINVAL; console:\n" + console);
        GuestScripts.AssertSecondKernelBooted(console, marker, $"kexec -s -l with a {limit}-byte command line");
    }

    [Fact]
    public void KexecLoad_RunsOurSegments()
    {
        var marker = Guid.NewGuid().ToString("N");
        const byte exitValue = 0x10;
        var first = kit.Base(GuestScripts.FirstInit("""
            /bin/kexec -c -l /payload.elf
            echo "KEXECGEN-LOAD-EXIT $?"
            /bin/kexec -e
            echo "KEXECGEN-EXEC-RETURNED $?"
            """))
            .File("payload.elf", SerialPayload.Elf($"KEXECGEN-PAYLOAD {marker}", exitValue))
            .ToArray();

        var (exitCode, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console, Limit);
        log.WriteLine($"QEMU ran {elapsed.TotalSeconds:F1} s, exit code {exitCode}");

        Assert.True(console.Contains("KEXECGEN-LOAD-EXIT 0", StringComparison.Ordinal), "kexec -c -l failed; console:\n" + console);
        Assert.True(console.Contains($"KEXECGEN-PAYLOAD {marker}", StringComparison.Ordinal), "the payload's marker never came; console:\n" + console);
        Assert.Equal(QemuMachine.DebugExitCode(exitValue), exitCode);
    }

    [Fact]
    public void KexecLoad_OfDebiansBzImage_BootsItWithInitrdAndCommandLine()
    {
        var marker = Guid.NewGuid().ToString("N");
        var second = kit.Base(GuestScripts.SecondInit, withKexec: false).ToArray();
        var first = kit.Base(GuestScripts.FirstInit($"""
            /bin/kexec -e
            echo "KEXECGEN-EXEC-UNLOADED-EXIT $?"
            /bin/busybox head -c 4000000 /vmlinuz > /truncated
            /bin/kexec -c -l /truncated --append "{Console}"
            echo "KEXECGEN-TRUNCATED-EXIT $?"
            /bin/kexec -l -S && echo "KEXECGEN-STATUS nothing loaded"
            {GuestScripts.LoadAndExecute($"/bin/kexec -c -l /vmlinuz --initrd /second.cpio --append \"{Console} kexecgen_marker={marker}\"")}
            """))
            .File("vmlinuz", System.IO.File.ReadAllBytes(kit.Kernel))
            .File("second.cpio", second)
            .ToArray();

        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console, Limit);
        GuestScripts.Log(log, console, elapsed);

        Assert.True(console.Contains("kexec: nothing has been loaded: load a kernel with -l first", StringComparison.Ordinal) && console.Contains("KEXECGEN-EXEC-UNLOADED-EXIT 1", StringComparison.Ordinal),
            "kexec -e with nothing loaded did not say so; console:\n" + console);
        Assert.True(console.Contains("kexec: the bzImage is truncated", StringComparison.Ordinal) && console.Contains("KEXECGEN-TRUNCATED-EXIT 1", StringComparison.Ordinal),
            "a truncated bzImage was not refused before kexec_load; console:\n" + console);
        Assert.Contains("KEXECGEN-STATUS nothing loaded", console, StringComparison.Ordinal);
        GuestScripts.AssertSecondKernelBooted(console, marker, "kexec -c -l of the bzImage");
    }

    [Fact]
    public void LockedDownKernel_RefusesKexecFileLoad_AndTheToolSaysEperm()
    {
        var first = kit.Base(GuestScripts.FirstInit("""
            /bin/kexec -s -l /vmlinuz --append "console=ttyS0"
            echo "KEXECGEN-LOAD-EXIT $?"
            """))
            .File("vmlinuz", System.IO.File.ReadAllBytes(kit.Kernel))
            .ToArray();

        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console + " lockdown=integrity", Limit);
        GuestScripts.Log(log, console, elapsed);

        Assert.True(console.Contains("kexec: kexec_file_load failed: EPERM (1): not permitted", StringComparison.Ordinal), "no EPERM report; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-LOAD-EXIT 1", StringComparison.Ordinal), "kexec should exit 1; console:\n" + console);
    }
}
