using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>
/// kdump end to end on arm64 (virt, Cortex-A57, Debian's arm64 kernel without kexec_file_load): plain -p falls back to
/// kexec_load, with our Image loader, core header and /chosen.
/// </summary>
[Collection(PublishedTools.Name)]
public class Arm64KdumpQemuTests(Arm64GuestKit kit, Arm64KdumpPrograms built, ITestOutputHelper log) : IClassFixture<Arm64GuestKit>, IClassFixture<Arm64KdumpPrograms>
{
    [Fact]
    public void PlainCrashLoad_FallsBackToKexecLoad_AndReadsTheDeadKernelsPagesBack() =>
        _ = KdumpScenario.Run(kit, built.Programs, QemuTarget.Arm64, "ttyAMA0", "-p", log);

    [Fact]
    public void PlainCrashLoad_OnAUefiMachine_HasEfiAndAcpi_AndReadsTheDeadKernelsPagesBack()
    {
        // virt under AAVMF with 2 CPUs, described by ACPI: the crash kernel keeps the UEFI properties of /chosen, so it
        // has EFI (its runtime services list and read a variable) and ACPI; it runs on one CPU, as nr_cpus=1 asks.
        using var variables = new UefiVariables(UefiFirmware.Aavmf);
        var console = KdumpScenario.Run(kit, built.Programs, QemuTarget.Arm64Uefi(variables), "ttyAMA0", "-p", log);
        GuestScripts.AssertUefiHandedOver(log, console, "KEXECGEN-CRASH", "0", "the crash kernel");
    }
}
