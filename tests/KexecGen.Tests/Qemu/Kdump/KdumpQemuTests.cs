using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>
/// kdump end to end on x86_64 (TCG, Debian's kernel, crashkernel=384M of 2 GiB), through kexec_file_load (the kernel
/// builds the core header) and through kexec_load (our loader builds it).
/// </summary>
[Collection(PublishedTools.Name)]
public class KdumpQemuTests(GuestKit kit, X86_64KdumpPrograms built, DebianKexecTools kexecTools, ITestOutputHelper log)
    : IClassFixture<GuestKit>, IClassFixture<X86_64KdumpPrograms>, IClassFixture<DebianKexecTools>
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
        var console = RunUefi("/bin/kexec");
        GuestScripts.AssertUefiHandedOver(log, console, "KEXECGEN-CRASH", "0", "the crash kernel");
        X86HandOver.AssertRuntimeMapKept(console, "CRASH", inOrder: true, "ours");
    }

    [Fact]
    public void OurCrashBootParams_OnAUefiMachine_AreKexecToolsCrashBootParams_FieldByField()
    {
        var ours = RunUefi("/bin/kexec");
        var theirs = RunUefi(DebianKexecTools.GuestPath);
        // The reference itself must have worked, or the comparison means nothing.
        GuestScripts.AssertUefiHandedOver(log, theirs, "KEXECGEN-CRASH", "0", $"kexec-tools {kexecTools.Version} -c -p");
        X86HandOver.AssertRuntimeMapKept(theirs, "CRASH", inOrder: false, "kexec-tools");
        X86HandOver.AssertSameAsKexecTools(log, ours, theirs, "CRASH", kexecTools.Version, (field, o, t) =>
            field.StartsWith("e820_table[", StringComparison.Ordinal) && X86HandOver.OverlappingRam(o, t)
                ? "the reservation's RAM less the ELF core header, which ours puts at the reservation's start (as the kernel's file loader does) and kexec-tools at its end"
            : field == "hdr.ramdisk_size" ? "the crash initrd is made in the guest at each run (it carries that run's frame list)"
            : null);
    }

    // One kdump run under OVMF per loading tool (kexec_load: -c -p); without KASLR, so that both first kernels lie alike.
    private string RunUefi(string kexec) => built.Consoles.GetOrAdd($"uefi|{kexec}", _ =>
    {
        using var variables = new UefiVariables(UefiFirmware.Ovmf);
        return KdumpScenario.Run(kit, built.Programs, QemuTarget.X86_64Uefi(variables), "ttyS0", "-c -p", log, "nokaslr", kexec,
            kexec == DebianKexecTools.GuestPath ? kexecTools.Files : null);
    });

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
