using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
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

    /// <summary>
    /// Commands that print, each on a line starting with <paramref name="prefix"/>, what a kernel found of a UEFI
    /// machine: EFI, its runtime services at work (efivarfs, from /efivarfs.ko, lists the firmware's variables and
    /// reads one, which calls GetVariable), the ACPI tables, the CPUs online.
    /// </summary>
    public static string UefiFacts(string prefix) => $$"""
        if [ -d /sys/firmware/efi ]; then echo "{{prefix}}-EFI present"; else echo "{{prefix}}-EFI absent"; fi
        /bin/busybox insmod /efivarfs.ko
        if /bin/busybox mount -t efivarfs efivarfs /sys/firmware/efi/efivars; then
          first=$(/bin/busybox ls /sys/firmware/efi/efivars | /bin/busybox head -n 1)
          echo "{{prefix}}-EFIVARS $(/bin/busybox ls /sys/firmware/efi/efivars | /bin/busybox wc -l) $(/bin/busybox cat "/sys/firmware/efi/efivars/$first" | /bin/busybox wc -c) $first"
        fi
        echo "{{prefix}}-ACPI [$(/bin/busybox ls /sys/firmware/acpi/tables 2>/dev/null)]" | /bin/busybox tr '\n' ' '
        echo
        echo "{{prefix}}-CPUS $(/bin/busybox cat /sys/devices/system/cpu/online)"
        """;

    /// <summary>
    /// What <see cref="UefiFacts"/> printed is what a kernel handed a UEFI machine must find: EFI with runtime services
    /// that list and read a variable, ACPI with a MADT (APIC), and <paramref name="cpus"/> online.
    /// </summary>
    public static void AssertUefiHandedOver(ITestOutputHelper log, string console, string prefix, string cpus, string what)
    {
        Assert.True(console.Contains($"{prefix}-EFI present", StringComparison.Ordinal), $"{what}: no EFI; console:\n" + console);
        var acpi = Regex.Match(console, prefix + @"-ACPI \[([^\]]*)\]").Groups[1].Value;
        Assert.True(Regex.IsMatch(acpi, @"\bAPIC\b"), $"{what}: no MADT (APIC) among the ACPI tables [{acpi}]; console:\n" + console);
        Assert.True(console.Contains($"{prefix}-CPUS {cpus}", StringComparison.Ordinal), $"{what}: CPUs online are not {cpus}; console:\n" + console);
        var efivars = Regex.Match(console, prefix + @"-EFIVARS (\d+) (\d+) (\S+)");
        Assert.True(efivars.Success && int.Parse(efivars.Groups[1].Value, CultureInfo.InvariantCulture) > 0 && int.Parse(efivars.Groups[2].Value, CultureInfo.InvariantCulture) > 4,
            $"{what}: the EFI runtime services did not list and read a variable; console:\n" + console);
        log.WriteLine($"{what}: EFI, {efivars.Groups[1].Value} EFI variables (read {efivars.Groups[3].Value}, {efivars.Groups[2].Value} bytes), ACPI [{acpi.Trim()}], CPUs {cpus}");
    }

    /// <summary>efivarfs.ko from the same Debian kernel package as <paramref name="kernel"/> (Debian builds it as a module).</summary>
    public static byte[] EfivarfsModule(string kernel)
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(kernel))!;
        var modules = Directory.GetFiles(Path.Combine(root, "lib", "modules"), "efivarfs.ko", SearchOption.AllDirectories);
        Assert.True(modules.Length == 1, $"efivarfs.ko not found once under {root}/lib/modules ({modules.Length})");
        return File.ReadAllBytes(modules[0]);
    }

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

    /// <summary>Runs <paramref name="load"/>, reports its exit code and kexec -l -S (1: loaded), then executes the loaded kernel.</summary>
    public static string LoadAndExecute(string load, string execute = "/bin/kexec -e") => $"""
        {load}
        echo "KEXECGEN-LOAD-EXIT $?"
        /bin/kexec -l -S || echo "KEXECGEN-STATUS loaded"
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
