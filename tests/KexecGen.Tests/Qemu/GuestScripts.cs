using System;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>The /init scripts the QEMU guests run, and the checks on what their consoles print, shared by every architecture.</summary>
internal static class GuestScripts
{
    /// <summary>
    /// The second kernel's /init: prints the marker its command line carries and, where its device tree has one in
    /// /chosen, that marker too; then powers off.
    /// </summary>
    public static readonly string SecondInit = SecondInitThen("""
        if [ -f /sys/firmware/devicetree/base/chosen/kexecgen,marker ]; then
          echo "KEXECGEN-DEVICE-TREE $(/bin/busybox cat /sys/firmware/devicetree/base/chosen/kexecgen,marker)"
        fi
        """);

    /// <summary>A second kernel's /init that prints the marker its command line carries, runs <paramref name="commands"/> (which print what it found), then powers off.</summary>
    public static string SecondInitThen(string commands) => $$"""
        #!/bin/busybox sh
        /bin/busybox mkdir -p /proc /sys
        /bin/busybox mount -t proc proc /proc
        /bin/busybox mount -t sysfs sys /sys
        for word in $(/bin/busybox cat /proc/cmdline); do
          case "$word" in kexecgen_marker=*) echo "KEXECGEN-SECOND-KERNEL ${word#kexecgen_marker=}" ;; esac
        done
        {{commands}}
        /bin/busybox poweroff -f
        """;

    /// <summary>The first kernel's /init: /proc, /sys and /dev mounted, <paramref name="commands"/> run, then power off.</summary>
    public static string FirstInit(string commands) => $"""
        #!/bin/busybox sh
        /bin/busybox mkdir -p /proc /sys /dev
        /bin/busybox mount -t proc proc /proc
        /bin/busybox mount -t sysfs sys /sys
        /bin/busybox mount -t devtmpfs dev /dev
        {commands}
        /bin/busybox poweroff -f
        """;

    /// <summary>Runs <paramref name="load"/>, reports its exit code and kexec -S, then executes the loaded kernel.</summary>
    public static string LoadAndExecute(string load, string execute = "/bin/kexec -e") => $"""
        {load}
        echo "KEXECGEN-LOAD-EXIT $?"
        /bin/kexec -S && echo "KEXECGEN-STATUS loaded"
        {execute}
        echo "KEXECGEN-EXEC-RETURNED $?"
        """;

    /// <summary>The load of <see cref="LoadAndExecute"/> succeeded, kexec -S saw it, and the second kernel printed <paramref name="marker"/>.</summary>
    public static void AssertSecondKernelBooted(string console, string marker, string what)
    {
        Assert.True(console.Contains("KEXECGEN-LOAD-EXIT 0", StringComparison.Ordinal), $"{what} failed; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-STATUS loaded", StringComparison.Ordinal), "kexec -S did not see the kernel; console:\n" + console);
        Assert.True(console.Contains($"KEXECGEN-SECOND-KERNEL {marker}", StringComparison.Ordinal), "the second kernel's marker never came; console:\n" + console);
    }

    /// <summary>Logs the run's time and the console lines that tell the story (our markers and the tool's messages).</summary>
    public static void Log(ITestOutputHelper log, string console, TimeSpan elapsed)
    {
        log.WriteLine($"QEMU ran {elapsed.TotalSeconds:F1} s");
        log.WriteLine(string.Join('\n', Array.FindAll(console.Split('\n'), l => l.Contains("KEXECGEN", StringComparison.Ordinal) || l.Contains("kexec:", StringComparison.Ordinal))));
    }
}
