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
    private const string Console = "console=ttyS0 panic=-1 loglevel=4";

    // What the second kernel found: EFI, the ACPI tables, the CPUs online; and what it was given: the types of its
    // setup_data entries, its EFI runtime map and its boot_params (as hex).
    private static readonly string SecondInit = GuestScripts.SecondInitThen($$"""
        {{GuestScripts.UefiFacts("KEXECGEN-SECOND")}}
        types=""
        for entry in $(/bin/busybox ls /sys/kernel/boot_params/setup_data 2>/dev/null | /bin/busybox sort -n); do
          types="$types $(/bin/busybox cat /sys/kernel/boot_params/setup_data/$entry/type)"
        done
        echo "KEXECGEN-SECOND-SETUP-DATA [$types ]"
        {{RuntimeMap("KEXECGEN-SECOND")}}
        /bin/busybox od -An -tx1 -v /sys/kernel/boot_params/data | /bin/busybox sed 's/^/KEXECGEN-BOOT-PARAMS/'
        """);

    // Prints /sys/firmware/efi/runtime-map, one region a line.
    private static string RuntimeMap(string prefix) => $$"""
        for r in /sys/firmware/efi/runtime-map/*; do
          [ -d "$r" ] && echo "{{prefix}}-RUNTIME-MAP $(/bin/busybox cat $r/type) $(/bin/busybox cat $r/phys_addr) $(/bin/busybox cat $r/virt_addr) $(/bin/busybox cat $r/num_pages) $(/bin/busybox cat $r/attribute)"
        done
        """;

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

        var fields = BootParamsFields.Read(BootParams(ours));
        var reference = BootParamsFields.Read(BootParams(theirs));
        var differences = fields.Keys.Union(reference.Keys).Order(StringComparer.Ordinal)
            .Where(k => fields.GetValueOrDefault(k) != reference.GetValueOrDefault(k))
            .Select(k => (Field: k, Ours: fields.GetValueOrDefault(k) ?? "(none)", Theirs: reference.GetValueOrDefault(k) ?? "(none)"))
            .ToList();
        log.WriteLine($"boot_params fields compared: {fields.Count}; different from kexec-tools {kexecTools.Version}:");
        foreach (var (field, o, t) in differences) log.WriteLine($"  {field}: ours {o} / kexec-tools {t} ({(Explained.TryGetValue(field, out var why) ? why : "UNEXPLAINED")})");
        foreach (var line in new[] { "SECOND-SETUP-DATA", "FIRST-RUNTIME-MAP", "SECOND-RUNTIME-MAP", "SECOND-ACPI", "SECOND-CPUS", "SECOND-EFIVARS" })
        {
            log.WriteLine($"  {line}: ours {string.Join(" | ", Lines(ours, line))}");
            log.WriteLine($"  {line}: kexec-tools {string.Join(" | ", Lines(theirs, line))}");
        }

        var unexplained = differences.Where(d => !Explained.ContainsKey(d.Field)).ToList();
        Assert.True(unexplained.Count == 0, "boot_params fields that differ from kexec-tools' without a reason: " +
            string.Join("; ", unexplained.Select(d => $"{d.Field}: ours {d.Ours}, kexec-tools {d.Theirs}")));
        // Each second kernel kept the runtime map its first kernel had (the regions the runtime services use, mapped at
        // the same virtual addresses): each tool hands it over whole. (The two first kernels differ in where the EFI stub
        // put a page it allocates after the initrd, which differs in size; and the order is each tool's: ours keeps the
        // running kernel's, runtime-map/0, 1, …; kexec-tools' is its readdir's.)
        foreach (var (tool, console) in new[] { ("ours", ours), ("kexec-tools", theirs) })
        {
            Assert.NotEmpty(Lines(console, "FIRST-RUNTIME-MAP"));
            Assert.True(Lines(console, "FIRST-RUNTIME-MAP").Order(StringComparer.Ordinal).SequenceEqual(Lines(console, "SECOND-RUNTIME-MAP").Order(StringComparer.Ordinal)),
                $"{tool}: the second kernel's runtime map is not the first kernel's:\n{string.Join('\n', Lines(console, "FIRST-RUNTIME-MAP"))}\nsecond:\n{string.Join('\n', Lines(console, "SECOND-RUNTIME-MAP"))}");
        }
        Assert.Equal(Lines(ours, "FIRST-RUNTIME-MAP"), Lines(ours, "SECOND-RUNTIME-MAP"));
        // setup_data: SETUP_EFI in both; ours adds SETUP_RNG_SEED (9), as the kernel's own file loader does.
        Assert.Equal(SetupDataTypes(theirs).Where(t => t != "0x9"), SetupDataTypes(ours).Where(t => t != "0x9"));
        Assert.Contains("0x9", SetupDataTypes(ours));
    }

    // The fields where ours differs from kexec-tools', and why: each is either where each tool placed something (any
    // free memory serves), or a field kexec-tools fills where ours does what the kernel's own file loader does.
    private static readonly Dictionary<string, string> Explained = new(StringComparer.Ordinal)
    {
        ["hdr.cmd_line_ptr"] = "where each tool placed the command line",
        ["hdr.ramdisk_image"] = "where each tool placed the initrd",
        ["hdr.setup_data"] = "where each tool placed its setup_data chain",
        ["efi_info.efi_memmap"] = "where each tool placed the EFI runtime map",
        ["screen_info.ext_mem_k"] = "kexec-tools fills the legacy memory sizes, which the kernel reads only where the e820 table has fewer than 2 entries; ours leaves 0, as the kernel's file loader does",
        ["alt_mem_k"] = "kexec-tools fills the legacy memory sizes, which the kernel reads only where the e820 table has fewer than 2 entries; ours leaves 0, as the kernel's file loader does",
        ["screen_info.cl_magic"] = "kexec-tools fills the command-line protocol of boot protocols before 2.02; the kernel (2.15) reads cmd_line_ptr",
        ["screen_info.cl_offset"] = "kexec-tools fills the command-line protocol of boot protocols before 2.02; the kernel (2.15) reads cmd_line_ptr",
        ["e820_table[0]"] = "kexec-tools starts RAM at 0x400, leaving out the real-mode interrupt table; ours passes /sys/firmware/memmap as it is (the kernel reserves the first page itself)",
        ["hdr.root_dev"] = "kexec-tools writes its own default (/dev/hda); ours keeps the image's setup header, as the kernel's file loader does",
        ["hdr.root_flags"] = "kexec-tools writes its own default; ours keeps the image's setup header, as the kernel's file loader does",
        ["hdr.boot_flag"] = "kexec-tools overwrites the image's 0xAA55 signature (for boot loaders, not read by the kernel); ours keeps the image's setup header, as the kernel's file loader does",
        ["secure_boot"] = "ours passes the running kernel's secure_boot, as the kernel's file loader does (setup_efi_state); kexec-tools 2.0.25 leaves it 0, unset",
    };

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
            {RuntimeMap("KEXECGEN-FIRST")}
            {(tool == "ours" ? load + " --dry-run" : "")}
            {GuestScripts.LoadAndExecute(load, execute)}
            """))
            .File("vmlinuz", File.ReadAllBytes(kit.Kernel))
            .File("second.cpio", kit.Base(SecondInit, withKexec: false).File("efivarfs.ko", GuestScripts.EfivarfsModule(kit.Kernel)).ToArray());
        if (tool != "ours")
        {
            var ourLibraries = kit.Libraries.Select(l => l.Path.TrimStart('/')).ToHashSet(StringComparer.Ordinal);
            foreach (var (path, data) in kexecTools.Files.Where(f => !ourLibraries.Contains(f.Path.TrimStart('/')))) first.Executable(path, data);
        }

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

    // The lines KEXECGEN-<name> printed (name: SECOND-ACPI, FIRST-RUNTIME-MAP, …), without that word.
    private static string[] Lines(string console, string name) => console.Split('\n')
        .Select(l => l.Trim()).Where(l => l.StartsWith($"KEXECGEN-{name} ", StringComparison.Ordinal))
        .Select(l => l[$"KEXECGEN-{name} ".Length..]).ToArray();

    // The types of the second kernel's setup_data entries, in chain order.
    private static string[] SetupDataTypes(string console) =>
        Lines(console, "SECOND-SETUP-DATA").Single().Trim('[', ']').Split(' ', StringSplitOptions.RemoveEmptyEntries);

    // The second kernel's /sys/kernel/boot_params/data, from the od lines its /init printed.
    private static byte[] BootParams(string console)
    {
        var bytes = console.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("KEXECGEN-BOOT-PARAMS", StringComparison.Ordinal))
            .SelectMany(l => l["KEXECGEN-BOOT-PARAMS".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(bytes.Length == 4096, $"the second kernel printed {bytes.Length} bytes of boot_params, not 4096; console:\n" + console);
        return bytes;
    }
}
