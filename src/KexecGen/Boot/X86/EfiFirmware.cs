using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;

namespace KexecGen.Boot.X86;

/// <summary>One region of the EFI runtime map (/sys/firmware/efi/runtime-map/N): memory the runtime services use, and
/// the virtual address the running kernel mapped it at (a firmware switches to virtual mode once, so a new kernel must
/// map it at the same place).</summary>
/// <param name="Type">The EFI memory type (EfiRuntimeServicesCode, …).</param>
/// <param name="PhysicalAddress">Where the region is.</param>
/// <param name="VirtualAddress">Where the running kernel mapped it.</param>
/// <param name="Pages">Its size in 4 KiB EFI pages.</param>
/// <param name="Attribute">Its EFI attribute bits (EFI_MEMORY_RUNTIME among them).</param>
public readonly record struct EfiRuntimeRegion(uint Type, ulong PhysicalAddress, ulong VirtualAddress, ulong Pages, ulong Attribute);

/// <summary>
/// What a machine booted by UEFI tells a kexec loader, from /sys/firmware/efi: the firmware's tables and the runtime
/// map. The x86 loader needs it to hand EFI on (the boot protocol's efi_info and its SETUP_EFI setup_data).
/// </summary>
/// <param name="FirmwareVendor">/sys/firmware/efi/fw_vendor: the physical address of the vendor string.</param>
/// <param name="Runtime">/sys/firmware/efi/runtime: the physical address of the runtime services table.</param>
/// <param name="ConfigTable">/sys/firmware/efi/config_table: the physical address of the configuration table.</param>
/// <param name="Tables">/sys/firmware/efi/systab: each configuration table the kernel names (ACPI20, ACPI, SMBIOS, SMBIOS3, …) and its address.</param>
/// <param name="RuntimeMap">/sys/firmware/efi/runtime-map, in its order; empty where the kernel exposes none (noefi, efi=noruntime, no CONFIG_EFI_RUNTIME_MAP).</param>
public sealed record EfiFirmware(ulong FirmwareVendor, ulong Runtime, ulong ConfigTable, ImmutableDictionary<string, ulong> Tables, ImmutableArray<EfiRuntimeRegion> RuntimeMap)
{
    private const string Root = "/sys/firmware/efi";

    /// <summary>The ACPI RSDP the firmware gives: the ACPI 2.0 table's address, else the ACPI 1.0 one; null where neither.</summary>
    public ulong? AcpiRsdp => Tables.TryGetValue("ACPI20", out ulong v2) ? v2 : Tables.TryGetValue("ACPI", out ulong v1) ? v1 : null;

    /// <summary>The SMBIOS entry point's address (SMBIOS, else SMBIOS3); null where the firmware gives none.</summary>
    public ulong? Smbios => Tables.TryGetValue("SMBIOS", out ulong s) ? s : Tables.TryGetValue("SMBIOS3", out ulong s3) ? s3 : null;

    /// <summary>The running machine's, or null where it did not boot by UEFI (no /sys/firmware/efi).</summary>
    /// <exception cref="FormatException">A file there is malformed.</exception>
    internal static EfiFirmware? ReadRunning()
    {
        if (!Directory.Exists(Root)) return null;
        string Read(string name) => File.ReadAllText(Path.Combine(Root, name));
        var mapDir = Path.Combine(Root, "runtime-map");
        var regions = SysfsList.Entries(mapDir)
            .Select(d => EfiSysfs.ParseRegion(name => File.ReadAllText(Path.Combine(d, name)), $"{mapDir}/{Path.GetFileName(d)}"));
        return new EfiFirmware(
            EfiSysfs.ParseAddress(Read("fw_vendor"), $"{Root}/fw_vendor"),
            EfiSysfs.ParseAddress(Read("runtime"), $"{Root}/runtime"),
            EfiSysfs.ParseAddress(Read("config_table"), $"{Root}/config_table"),
            EfiSysfs.ParseSystemTable(Read("systab"), $"{Root}/systab"),
            regions.ToImmutableArray());
    }
}

/// <summary>Readers of /sys/firmware/efi's files, as drivers/firmware/efi writes them.</summary>
internal static class EfiSysfs
{
    /// <summary>The files of one runtime-map entry, each one hexadecimal number ("0x…").</summary>
    public static readonly string[] RegionFiles = { "type", "phys_addr", "virt_addr", "num_pages", "attribute" };

    /// <summary>One hexadecimal address or value ("0x…" and a newline).</summary>
    /// <exception cref="FormatException">Not one hexadecimal number of at most 64 bits.</exception>
    public static ulong ParseAddress(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MemoryMap.Hex(text.Trim(), where, "value");
    }

    /// <summary>A runtime-map entry, its files read by <paramref name="read"/> (by name, from <see cref="RegionFiles"/>).</summary>
    /// <exception cref="FormatException">A file is not a hexadecimal number, the type is wider than 32 bits, or the region wraps.</exception>
    public static EfiRuntimeRegion ParseRegion(Func<string, string> read, string where)
    {
        ArgumentNullException.ThrowIfNull(read);
        var values = RegionFiles.Select(f => ParseAddress(read(f), $"{where}/{f}")).ToArray();
        if (values[0] > uint.MaxValue) throw new FormatException($"{where}/type: 0x{values[0]:x} is not a 32-bit EFI memory type");
        // EFI pages are 4 KiB whatever the kernel's page size: a region must fit in the address space.
        if (values[3] > (ulong.MaxValue >> 12) || values[1] > ulong.MaxValue - (values[3] << 12))
        {
            throw new FormatException($"{where}: 0x{values[3]:x} pages at 0x{values[1]:x} run past the end of the address space");
        }
        return new EfiRuntimeRegion((uint)values[0], values[1], values[2], values[3], values[4]);
    }

    /// <summary>/sys/firmware/efi/systab: "NAME=0xADDRESS" lines (ACPI20, ACPI, SMBIOS, SMBIOS3, …), the first of a name kept.</summary>
    /// <exception cref="FormatException">A line is not NAME=ADDRESS.</exception>
    public static ImmutableDictionary<string, ulong> ParseSystemTable(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tables = ImmutableDictionary.CreateBuilder<string, ulong>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0) throw new FormatException($"{where}: line {i + 1}: expected NAME=ADDRESS, got '{(line.Length <= 60 ? line : line[..60] + "…")}'");
            tables.TryAdd(line[..equals], ParseAddress(line[(equals + 1)..], $"{where}: line {i + 1}"));
        }
        return tables.ToImmutable();
    }
}
