using System;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// Real kexec on an arm64 machine booted by UEFI (QEMU virt, AAVMF, 2 Cortex-A57s, TCG) with Debian's kernel entered
/// through its EFI stub, which describes the machine by ACPI and hands the kernel a device tree holding only /chosen
/// with the UEFI properties: plain <c>kexec -l</c> falls back to kexec_load (Debian's arm64 kernel has no
/// kexec_file_load), and our Image loader, keeping those properties, boots a second kernel with EFI, working runtime
/// services, ACPI and both CPUs.
/// </summary>
[Collection(PublishedTools.Name)]
public class Arm64UefiKexecQemuTests(Arm64GuestKit kit, ITestOutputHelper log) : IClassFixture<Arm64GuestKit>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);
    private const string Console = "console=ttyAMA0 panic=-1 loglevel=4";

    [Fact]
    public void PlainLoad_OnAUefiMachine_BootsAKernelWithEfiAcpiAndBothCpus()
    {
        using var variables = new UefiVariables(UefiFirmware.Aavmf);
        var marker = Guid.NewGuid().ToString("N");
        var first = kit.Base(GuestScripts.FirstInit($"""
            {GuestScripts.UefiFacts("KEXECGEN-FIRST")}
            {GuestScripts.LoadAndExecute($"/bin/kexec -l /vmlinuz --initrd /second.cpio --append \"{Console} kexecgen_marker={marker}\"")}
            """))
            .File("vmlinuz", System.IO.File.ReadAllBytes(kit.Kernel))
            .File("efivarfs.ko", GuestScripts.EfivarfsModule(kit.Kernel))
            .File("second.cpio", kit.Base(GuestScripts.SecondInitThen(GuestScripts.UefiFacts("KEXECGEN-SECOND")), withKexec: false)
                .File("efivarfs.ko", GuestScripts.EfivarfsModule(kit.Kernel)).ToArray())
            .ToArray();

        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console, Limit, QemuTarget.Arm64Uefi(variables));
        GuestScripts.Log(log, console, elapsed);

        // The first kernel is the machine this is about: booted by UEFI, described by ACPI, both CPUs up.
        GuestScripts.AssertUefiHandedOver(log, console, "KEXECGEN-FIRST", "0-1", "the first kernel under AAVMF");
        GuestScripts.AssertSecondKernelBooted(console, marker, "kexec -l on an arm64 UEFI machine");
        GuestScripts.AssertUefiHandedOver(log, console, "KEXECGEN-SECOND", "0-1", "the second kernel");
    }
}
