using System;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// Real kexec on an x86_64 machine booted by UEFI (QEMU q35, OVMF, 2 CPUs, TCG) with Debian's kernel entered through
/// its EFI stub: the bzImage loader (kexec -c) hands EFI over (efi_info, the runtime map, SETUP_EFI) and boots a second
/// kernel whose runtime services work (efivarfs lists and reads the firmware's variables), that finds ACPI (the RSDP
/// the EFI stub left out of boot_params comes from /sys/firmware/efi/systab) and through its MADT both CPUs.
/// </summary>
[Collection(PublishedTools.Name)]
public class UefiKexecQemuTests(GuestKit kit, ITestOutputHelper log) : IClassFixture<GuestKit>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);
    private const string Console = "console=ttyS0 panic=-1 loglevel=4";

    // What the second kernel found: EFI, the ACPI tables, the CPUs online.
    private static readonly string SecondInit = GuestScripts.SecondInitThen("""
        if [ -d /sys/firmware/efi ]; then echo "KEXECGEN-SECOND-EFI present"; else echo "KEXECGEN-SECOND-EFI absent"; fi
        # Runtime services that work: efivarfs lists the firmware's variables, and reading one calls GetVariable.
        /bin/busybox insmod /efivarfs.ko
        if /bin/busybox mount -t efivarfs efivarfs /sys/firmware/efi/efivars; then
          first=$(/bin/busybox ls /sys/firmware/efi/efivars | /bin/busybox head -n 1)
          echo "KEXECGEN-SECOND-EFIVARS $(/bin/busybox ls /sys/firmware/efi/efivars | /bin/busybox wc -l) $(/bin/busybox cat "/sys/firmware/efi/efivars/$first" | /bin/busybox wc -c) $first"
        fi
        echo "KEXECGEN-SECOND-ACPI [$(/bin/busybox ls /sys/firmware/acpi/tables 2>/dev/null)]" | /bin/busybox tr '\n' ' '
        echo
        echo "KEXECGEN-SECOND-CPUS $(/bin/busybox cat /sys/devices/system/cpu/online)"
        """);

    // efivarfs.ko from the same kernel package as the kernel (Debian builds it as a module).
    private static string EfivarfsModule(string kernel)
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(kernel))!;
        var modules = Directory.GetFiles(Path.Combine(root, "lib", "modules"), "efivarfs.ko", SearchOption.AllDirectories);
        Assert.True(modules.Length == 1, $"efivarfs.ko not found once under {root}/lib/modules ({modules.Length})");
        return modules[0];
    }

    [Fact]
    public void KexecLoad_OnAUefiMachine_BootsAKernelWithEfiAcpiAndBothCpus()
    {
        using var variables = new OvmfVariables();
        var marker = Guid.NewGuid().ToString("N");
        var load = $"/bin/kexec -c -l /vmlinuz --initrd /second.cpio --append \"{Console} kexecgen_marker={marker}\"";
        var first = kit.Base(GuestScripts.FirstInit($"""
            if [ -d /sys/firmware/efi ]; then echo "KEXECGEN-FIRST-EFI present"; fi
            echo "KEXECGEN-FIRST-CPUS $(/bin/busybox cat /sys/devices/system/cpu/online)"
            {load} --dry-run
            {GuestScripts.LoadAndExecute(load)}
            """))
            .File("vmlinuz", File.ReadAllBytes(kit.Kernel))
            .File("second.cpio", kit.Base(SecondInit, withKexec: false).File("efivarfs.ko", File.ReadAllBytes(EfivarfsModule(kit.Kernel))).ToArray())
            .ToArray();

        {
            var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console, Limit, QemuTarget.X86_64Uefi(variables));
            GuestScripts.Log(log, console, elapsed);

            // The first kernel is the machine the issue describes: booted by UEFI, both CPUs up.
            Assert.True(console.Contains("KEXECGEN-FIRST-EFI present", StringComparison.Ordinal), "the first kernel did not boot by UEFI; console:\n" + console);
            Assert.True(console.Contains("KEXECGEN-FIRST-CPUS 0-1", StringComparison.Ordinal), "the first kernel does not have both CPUs; console:\n" + console);
            // The dry run lists the setup_data segment and its entries.
            Assert.True(console.Contains("setup_data (SETUP_RNG_SEED, SETUP_EFI; the EFI runtime map: ", StringComparison.Ordinal), "the dry run lists no setup_data with SETUP_EFI; console:\n" + console);
            GuestScripts.AssertSecondKernelBooted(console, marker, "kexec -c -l on a UEFI machine");
            var acpi = Regex.Match(console, @"KEXECGEN-SECOND-ACPI \[([^\]]*)\]").Groups[1].Value;
            Assert.True(Regex.IsMatch(acpi, @"\bAPIC\b"), $"the second kernel has no MADT (APIC) among its ACPI tables [{acpi}]; console:\n" + console);
            Assert.True(console.Contains("KEXECGEN-SECOND-CPUS 0-1", StringComparison.Ordinal), "the second kernel does not have both CPUs; console:\n" + console);
            Assert.True(console.Contains("KEXECGEN-SECOND-EFI present", StringComparison.Ordinal), "the second kernel has no EFI; console:\n" + console);
            var efivars = Regex.Match(console, @"KEXECGEN-SECOND-EFIVARS (\d+) (\d+) (\S+)");
            Assert.True(efivars.Success && int.Parse(efivars.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0 && int.Parse(efivars.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) > 4,
                "the second kernel's EFI runtime services did not list and read a variable; console:\n" + console);
            log.WriteLine($"second kernel: {efivars.Groups[1].Value} EFI variables, {efivars.Groups[3].Value} read ({efivars.Groups[2].Value} bytes)");
        }
    }
}
