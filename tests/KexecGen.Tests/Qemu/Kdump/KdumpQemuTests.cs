using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>
/// kdump end to end on x86_64 (TCG, Debian's kernel, crashkernel=384M of 2 GiB), through kexec_file_load (the kernel
/// builds the core header) and through kexec_load (our loader builds it).
/// </summary>
[Collection(PublishedTools.Name)]
public class KdumpQemuTests(GuestKit kit, X86_64KdumpPrograms built, ITestOutputHelper log) : IClassFixture<GuestKit>, IClassFixture<X86_64KdumpPrograms>
{
    [Fact]
    public void FileLoadedCrashKernel_ReadsTheDeadKernelsPagesBack() => Run("-s -p");

    [Fact]
    public void CrashKernelLoadedByOurLoader_ReadsTheDeadKernelsPagesBack() => Run("-c -p");

    [Fact]
    public void CrashKernelLoadedByOurLoader_OnAUefiMachine_HasEfiAndAcpi_AndReadsTheDeadKernelsPagesBack()
    {
        // q35 under OVMF with 2 CPUs: the crash kernel is handed EFI (its runtime services list and read a variable) and
        // finds ACPI's tables, the MADT among them; it runs on one CPU, as its command line (nr_cpus=1) asks.
        using var variables = new UefiVariables(UefiFirmware.Ovmf);
        var console = KdumpScenario.Run(kit, built.Programs, QemuTarget.X86_64Uefi(variables), "ttyS0", "-c -p", log);
        GuestScripts.AssertUefiHandedOver(log, console, "KEXECGEN-CRASH", "0", "the crash kernel");
    }

    [Fact]
    public void OurCoreHeader_GivesTheCrashKernelTheSameLoadsAsTheKernelsOwnLoader()
    {
        // The kernel's own file loader (kexec_file_load) builds its header itself: ours must describe the same memory,
        // at the same physical and virtual addresses, with notes of the same size (the CPUs' crash_notes and vmcoreinfo,
        // merged by the crash kernel into one PT_NOTE), as the crash kernel sees it in /proc/vmcore; and the crash kernel
        // must be given the same memory map (its /sys/firmware/memmap: the e820 table it booted with). Without KASLR both
        // first kernels lie alike, so the two lists must be equal to the byte.
        var theirs = Loads(Run("-s -p", "nokaslr"));
        var ours = Loads(Run("-c -p", "nokaslr"));

        Assert.NotEmpty(theirs);
        Assert.Equal(theirs, ours);
    }

    private string Run(string flags, string firstKernelOptions = "") =>
        built.Consoles.GetOrAdd($"{flags}|{firstKernelOptions}", _ => KdumpScenario.Run(kit, built.Programs, QemuTarget.X86_64, "ttyS0", flags, log, firstKernelOptions));

    private static string[] Loads(string console) => console.Split('\n')
        .Select(l => l.Trim())
        .Where(l => l.StartsWith("KEXECGEN-VMCORE-LOAD ", StringComparison.Ordinal) || l.StartsWith("KEXECGEN-VMCORE-NOTE ", StringComparison.Ordinal)
            || l.StartsWith("KEXECGEN-CRASH-MEMMAP ", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .ToArray();
}
