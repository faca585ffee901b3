using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KexecGen.Tests.Boot;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>The consoles of the UEFI guests, one boot per loading tool, shared by the tests that read them.</summary>
public sealed class UefiConsoles
{
    internal ConcurrentDictionary<string, Lazy<string>> ByTool { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Real kexec on an x86_64 machine booted by UEFI (QEMU q35, OVMF, 2 CPUs, TCG) with Debian's kernel entered through
/// its EFI stub: the bzImage loader (kexec -c) hands EFI over (efi_info, the runtime map, SETUP_EFI) and boots a second
/// kernel whose runtime services work (efivarfs lists and reads the firmware's variables), that finds ACPI (the RSDP
/// the EFI stub left out of boot_params comes from /sys/firmware/efi/systab) and through its MADT both CPUs. Debian's
/// kexec-tools loads the same kernel in the same guest, and the boot_params each second kernel was given are compared
/// field by field.
/// </summary>
[Collection(PublishedTools.Name)]
public class UefiKexecQemuTests(GuestKit kit, DebianKexecTools kexecTools, UefiConsoles consoles, ITestOutputHelper log)
    : IClassFixture<GuestKit>, IClassFixture<DebianKexecTools>, IClassFixture<UefiConsoles>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);
    private const string Console = "console=ttyS0 panic=-1 loglevel=4 " + QemuTarget.X86KernelOptions;

    // What the second kernel found: EFI, the ACPI tables, the CPUs online; and what it was given.
    private static readonly string SecondInit = GuestScripts.SecondInitThen($$"""
        {{GuestScripts.UefiFacts("KEXECGEN-SECOND")}}
        {{X86HandOver.Script("KEXECGEN-SECOND")}}
        """);

    // Each tool's load and execute, its own spelling of the options.
    private static string Load(string tool, string marker) => tool == "ours"
        ? $"/bin/kexec -c -l /vmlinuz --initrd /second.cpio --append \"{Console} kexecgen_marker={marker}\""
        : $"{DebianKexecTools.GuestPath} -c -l /vmlinuz --initrd=/second.cpio --append=\"{Console} kexecgen_marker={marker}\"";

    [Fact]
    public void KexecLoad_OnAUefiMachine_BootsAKernelWithEfiAcpiAndBothCpus()
    {
        var console = SecondKernel("ours");
        // The dry run lists the setup_data segment and its entries.
        Assert.True(console.Contains("setup_data (SETUP_RNG_SEED, SETUP_EFI; the EFI runtime map: ", StringComparison.Ordinal), "the dry run lists no setup_data with SETUP_EFI; console:\n" + console);
        AssertHandedOver(console, "kexec -c -l");
    }

    [Fact]
    public void OurBootParams_OnAUefiMachine_AreKexecToolsBootParams_FieldByField()
    {
        var ours = SecondKernel("ours");
        var theirs = SecondKernel("kexec-tools");
        // The reference itself must have worked, or the comparison means nothing.
        AssertHandedOver(theirs, $"kexec-tools {kexecTools.Version} -c -l");

        X86HandOver.AssertSameAsKexecTools(log, ours, theirs, "SECOND", kexecTools.Version, (field, o, t) =>
            field == "e820_table[0]" && o.StartsWith("0x0 ", StringComparison.Ordinal) && t.StartsWith("0x400 ", StringComparison.Ordinal) && X86HandOver.OverlappingRam(o, t)
                ? "kexec-tools starts RAM at 0x400, leaving out the real-mode interrupt table; ours passes /sys/firmware/memmap as it is (the kernel reserves the first page itself)"
                : null);
        // Each tool hands the runtime map over whole. (The two first kernels differ in where the EFI stub put a page it
        // allocates after the initrd, which differs in size.)
        X86HandOver.AssertRuntimeMapKept(ours, "SECOND", inOrder: true, "ours");
        X86HandOver.AssertRuntimeMapKept(theirs, "SECOND", inOrder: false, "kexec-tools");
    }

    private string SecondKernel(string tool) => consoles.ByTool.GetOrAdd(tool, t => new Lazy<string>(() => Boot(t))).Value;

    private string Boot(string tool)
    {
        using var variables = new UefiVariables(UefiFirmware.Ovmf);
        var marker = Guid.NewGuid().ToString("N");
        var load = Load(tool, marker);
        var execute = tool == "ours" ? "/bin/kexec -e" : DebianKexecTools.GuestPath + " -e";
        var first = kit.Base(GuestScripts.FirstInit($"""
            if [ -d /sys/firmware/efi ]; then echo "KEXECGEN-FIRST-EFI present"; fi
            echo "KEXECGEN-FIRST-CPUS $(/bin/busybox cat /sys/devices/system/cpu/online)"
            {X86HandOver.RuntimeMap("KEXECGEN-FIRST")}
            {(tool == "ours" ? load + " --dry-run" : "")}
            {GuestScripts.LoadAndExecute(load, execute)}
            """), otherTool: tool == "ours" ? null : kexecTools.Files)
            .File("vmlinuz", File.ReadAllBytes(kit.Kernel))
            .File("second.cpio", kit.Base(SecondInit, withKexec: false).File("efivarfs.ko", GuestScripts.EfivarfsModule(kit.Kernel)).ToArray());

        // Without KASLR the EFI stub places what it allocates alike in every boot, so both tools start from one machine.
        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first.ToArray(), Console + " nokaslr", Limit, QemuTarget.X86_64Uefi(variables));
        log.WriteLine($"{tool}:");
        GuestScripts.Log(log, console, elapsed);
        // The first kernel is the machine the issue describes: booted by UEFI, both CPUs up.
        Assert.True(console.Contains("KEXECGEN-FIRST-EFI present", StringComparison.Ordinal), "the first kernel did not boot by UEFI; console:\n" + console);
        Assert.True(console.Contains("KEXECGEN-FIRST-CPUS 0-1", StringComparison.Ordinal), "the first kernel does not have both CPUs; console:\n" + console);
        GuestScripts.AssertSecondKernelBooted(console, marker, $"{tool}: kexec -c -l on a UEFI machine");
        return console;
    }

    private void AssertHandedOver(string console, string what) => GuestScripts.AssertUefiHandedOver(log, console, "KEXECGEN-SECOND", "0-1", what);
}
