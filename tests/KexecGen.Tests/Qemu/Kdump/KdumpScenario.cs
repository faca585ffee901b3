using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>
/// One kdump run: the first kernel fills 1 MiB with a marker's pattern, loads a crash kernel with our tool (checking
/// -S -p, unloading with -u -p and loading again) and panics; the crash kernel reads the pages back from /proc/vmcore
/// through its PT_LOADs. It passes only on the crash kernel's verdict line.
/// </summary>
internal static class KdumpScenario
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs it; returns the console when every check passed. <paramref name="kexec"/> is the loading tool's path in the
    /// guest (ours, or another added as <paramref name="tool"/>'s files).
    /// </summary>
    public static string Run(GuestKitBase kit, KdumpPrograms programs, QemuTarget target, string tty, string loadFlags, ITestOutputHelper log,
        string firstKernelOptions = "", string kexec = "/bin/kexec", IEnumerable<(string Path, byte[] Data)>? tool = null)
    {
        static string Line(params string[] parts) => string.Join(" ", parts.Where(p => p.Length > 0));
        string firstConsole = Line($"console={tty} crashkernel=384M panic=-1 loglevel=4", target.KernelOptions, firstKernelOptions);
        string crashConsole = Line($"console={tty} nr_cpus=1 reset_devices irqpoll panic=-1 loglevel=4", target.KernelOptions);
        var marker = Guid.NewGuid().ToString("N");
        var crashInit = $"""
            #!/bin/busybox sh
            /bin/busybox mkdir -p /proc /sys
            /bin/busybox mount -t proc proc /proc
            /bin/busybox mount -t sysfs sys /sys
            echo "KEXECGEN-CRASH-KERNEL up"
            {GuestScripts.UefiFacts("KEXECGEN-CRASH")}
            {X86HandOver.Script("KEXECGEN-CRASH")}
            for entry in /sys/firmware/memmap/*; do
              [ -d "$entry" ] && echo "KEXECGEN-CRASH-MEMMAP $(/bin/busybox cat $entry/start)-$(/bin/busybox cat $entry/end) $(/bin/busybox cat $entry/type)"
            done
            /bin/kdump-check {marker} /kdump
            /bin/busybox poweroff -f
            """;
        var crash = kit.Base(crashInit, withKexec: false).Executable("bin/kdump-check", programs.Check)
            .File("efivarfs.ko", GuestScripts.EfivarfsModule(kit.Kernel)).ToArray();
        // The frames and RAM map are only known once the buffer is filled: they join the crash kernel's initrd as a
        // second cpio archive, which the kernel unpacks after the first.
        var load = $"""
            cd / && /bin/busybox mkdir -p /kdump && /bin/busybox mv /frames /ram /kdump/ &&
            /bin/busybox find kdump | /bin/busybox cpio -o -H newc > /kdump.cpio &&
            /bin/busybox cat /crash.cpio /kdump.cpio > /crash-with-frames.cpio &&
            {kexec} {loadFlags} /vmlinuz --initrd /crash-with-frames.cpio --append "{crashConsole}" &&
            ! /bin/kexec -S -p && echo "KEXECGEN-STATUS crash kernel loaded" &&
            /bin/kexec -u -p && /bin/kexec -S -p && echo "KEXECGEN-STATUS crash kernel unloaded" &&
            {kexec} {loadFlags} /vmlinuz --initrd /crash-with-frames.cpio --append "{crashConsole}" &&
            echo "KEXECGEN-LOAD-EXIT 0"
            """.Replace("\n", " ", StringComparison.Ordinal);
        var first = kit.Base(GuestScripts.FirstInit($"""
            {X86HandOver.RuntimeMap("KEXECGEN-FIRST")}
            /bin/kdump-fill {marker} / '{load}'
            echo "KEXECGEN-FILL-EXIT $?"
            """), otherTool: tool)
            .Executable("bin/kdump-fill", programs.Fill)
            .File("vmlinuz", System.IO.File.ReadAllBytes(kit.Kernel))
            .File("crash.cpio", crash);

        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first.ToArray(), firstConsole, Limit, target, memoryMiB: 2048);
        GuestScripts.Log(log, console, elapsed);

        Assert.True(console.Contains("KEXECGEN-STATUS crash kernel loaded", StringComparison.Ordinal), $"kexec -S -p did not see the crash kernel after kexec {loadFlags}; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-STATUS crash kernel unloaded", StringComparison.Ordinal), "kexec -u -p did not unload the crash kernel; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-LOAD-EXIT 0", StringComparison.Ordinal), $"kexec {loadFlags} failed; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-CRASH-KERNEL up", StringComparison.Ordinal), "the crash kernel never ran after the panic; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-VMCORE ok:", StringComparison.Ordinal), "the crash kernel's verdict was not ok; console:\n" + console);
        return console;
    }
}
