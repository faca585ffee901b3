using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KexecGen.Tests.Boot;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// What an x86_64 kernel was handed (its boot_params, the types of its setup_data entries, its EFI runtime map), printed
/// by the guest's /init and compared, field by field, with what Debian's kexec-tools hands the same kernel.
/// </summary>
internal static class X86HandOver
{
    /// <summary>Commands that print the running kernel's EFI runtime map, one region a line, as <c>PREFIX-RUNTIME-MAP</c>.</summary>
    public static string RuntimeMap(string prefix) => $$"""
        for r in /sys/firmware/efi/runtime-map/*; do
          [ -d "$r" ] && echo "{{prefix}}-RUNTIME-MAP $(/bin/busybox cat $r/type) $(/bin/busybox cat $r/phys_addr) $(/bin/busybox cat $r/virt_addr) $(/bin/busybox cat $r/num_pages) $(/bin/busybox cat $r/attribute)"
        done
        """;

    /// <summary>Commands that print what the running kernel was handed: setup_data types, runtime map, boot_params as hex.</summary>
    public static string Script(string prefix) => $$"""
        types=""
        for entry in $(/bin/busybox ls /sys/kernel/boot_params/setup_data 2>/dev/null | /bin/busybox sort -n); do
          types="$types $(/bin/busybox cat /sys/kernel/boot_params/setup_data/$entry/type)"
        done
        echo "{{prefix}}-SETUP-DATA [$types ]"
        {{RuntimeMap(prefix)}}
        [ -f /sys/kernel/boot_params/data ] && /bin/busybox od -An -tx1 -v /sys/kernel/boot_params/data | /bin/busybox sed 's/^/{{prefix}}-BOOT-PARAMS/'
        """;

    /// <summary>The lines <c>KEXECGEN-NAME</c> printed (name: SECOND-ACPI, FIRST-RUNTIME-MAP, …), without that word.</summary>
    public static string[] Lines(string console, string name) => console.Split('\n')
        .Select(l => l.Trim()).Where(l => l.StartsWith($"KEXECGEN-{name} ", StringComparison.Ordinal))
        .Select(l => l[$"KEXECGEN-{name} ".Length..]).ToArray();

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
        ["hdr.root_dev"] = "kexec-tools writes its own default (/dev/hda); ours keeps the image's setup header, as the kernel's file loader does",
        ["hdr.root_flags"] = "kexec-tools writes its own default; ours keeps the image's setup header, as the kernel's file loader does",
        ["hdr.boot_flag"] = "kexec-tools overwrites the image's 0xAA55 signature (for boot loaders, not read by the kernel); ours keeps the image's setup header, as the kernel's file loader does",
        ["secure_boot"] = "ours passes the running kernel's secure_boot, as the kernel's file loader does (setup_efi_state); kexec-tools 2.0.25 leaves it 0, unset",
    };

    /// <summary>
    /// Compares, field by field, the boot_params <c>KEXECGEN-<paramref name="name"/></c> printed in two consoles, ours
    /// and kexec-tools'; logs every difference with its reason (and the facts beside it); fails on a difference no
    /// reason covers (<paramref name="alsoExplained"/> gives the reasons of one kind of load: field, ours, theirs →
    /// reason or null) and on setup_data types that differ in more than ours' SETUP_RNG_SEED, which the kernel's own
    /// file loader also adds.
    /// </summary>
    public static void AssertSameAsKexecTools(ITestOutputHelper log, string ours, string theirs, string name, string version,
        Func<string, string, string, string?> alsoExplained)
    {
        var fields = BootParamsFields.Read(BootParams(ours, name));
        var reference = BootParamsFields.Read(BootParams(theirs, name));
        string? Reason(string field) => Explained.TryGetValue(field, out var why) ? why
            : alsoExplained(field, fields.GetValueOrDefault(field) ?? "(none)", reference.GetValueOrDefault(field) ?? "(none)");
        var differences = fields.Keys.Union(reference.Keys).Order(StringComparer.Ordinal)
            .Where(k => fields.GetValueOrDefault(k) != reference.GetValueOrDefault(k))
            .Select(k => (Field: k, Ours: fields.GetValueOrDefault(k) ?? "(none)", Theirs: reference.GetValueOrDefault(k) ?? "(none)"))
            .ToList();
        log.WriteLine($"{name}: boot_params fields compared: {fields.Count}; different from kexec-tools {version}:");
        foreach (var (field, o, t) in differences) log.WriteLine($"  {field}: ours {o} / kexec-tools {t} ({Reason(field) ?? "UNEXPLAINED"})");
        foreach (var line in new[] { "SETUP-DATA", "RUNTIME-MAP", "ACPI", "CPUS", "EFIVARS" })
        {
            log.WriteLine($"  {name}-{line}: ours {string.Join(" | ", Lines(ours, $"{name}-{line}"))}");
            log.WriteLine($"  {name}-{line}: kexec-tools {string.Join(" | ", Lines(theirs, $"{name}-{line}"))}");
        }

        var unexplained = differences.Where(d => Reason(d.Field) is null).ToList();
        Assert.True(unexplained.Count == 0, $"{name}: boot_params fields that differ from kexec-tools' without a reason: " +
            string.Join("; ", unexplained.Select(d => $"{d.Field}: ours {d.Ours}, kexec-tools {d.Theirs}")));
        Assert.Equal(SetupDataTypes(theirs, name).Where(t => t != "0x9"), SetupDataTypes(ours, name).Where(t => t != "0x9"));
        Assert.Contains("0x9", SetupDataTypes(ours, name));
    }

    /// <summary>
    /// The kernel <c>KEXECGEN-<paramref name="name"/></c> kept the runtime map the first kernel had (the regions the
    /// runtime services use, at the same virtual addresses); <paramref name="inOrder"/>: in the first kernel's order
    /// (runtime-map/0, 1, …; kexec-tools passes its readdir's order instead).
    /// </summary>
    public static void AssertRuntimeMapKept(string console, string name, bool inOrder, string what)
    {
        var first = Lines(console, "FIRST-RUNTIME-MAP");
        var kept = Lines(console, $"{name}-RUNTIME-MAP");
        Assert.True(first.Length > 0 && (inOrder ? first.SequenceEqual(kept) : first.Order(StringComparer.Ordinal).SequenceEqual(kept.Order(StringComparer.Ordinal))),
            $"{what}: the runtime map is not the first kernel's:\n{string.Join('\n', first)}\nkept:\n{string.Join('\n', kept)}");
    }

    // The types of the setup_data entries, in chain order.
    private static string[] SetupDataTypes(string console, string name) =>
        Lines(console, $"{name}-SETUP-DATA").Single().Trim('[', ']').Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Whether two e820 entries (<c>e820_table[i]</c> values: address, size, type) are both RAM and overlap: the same
    /// range of memory, which the two tools cut differently.
    /// </summary>
    public static bool OverlappingRam(string ours, string theirs)
    {
        static (ulong Start, ulong End, string Type)? Entry(string value)
        {
            var words = value.Split(' ');
            if (words.Length != 3) return null;
            ulong start = Convert.ToUInt64(words[0], 16), size = Convert.ToUInt64(words[1], 16);
            return (start, start + size, words[2]);
        }
        return Entry(ours) is { Type: "1" } o && Entry(theirs) is { Type: "1" } t && o.Start < t.End && t.Start < o.End;
    }

    // /sys/kernel/boot_params/data, from the od lines the guest printed.
    private static byte[] BootParams(string console, string name)
    {
        var bytes = console.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith($"KEXECGEN-{name}-BOOT-PARAMS", StringComparison.Ordinal))
            .SelectMany(l => l[$"KEXECGEN-{name}-BOOT-PARAMS".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(bytes.Length == 4096, $"{name}: {bytes.Length} bytes of boot_params were printed, not 4096; console:\n" + console);
        return bytes;
    }
}
