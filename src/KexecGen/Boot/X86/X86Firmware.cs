using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace KexecGen.Boot.X86;

/// <summary>What the x86 boot protocol hands on from the running machine.</summary>
/// <param name="BootParams">The running kernel's boot_params (/sys/kernel/boot_params/data); null where there is none.</param>
/// <param name="MemoryMap">The firmware's memory map for the new kernel's e820 table (/sys/firmware/memmap, else /proc/iomem).</param>
public sealed record X86Firmware(ReadOnlyMemory<byte>? BootParams, IReadOnlyList<MemoryRange> MemoryMap) : FirmwareFacts
{
    /// <summary>What UEFI gave the running kernel (/sys/firmware/efi); null where the machine booted by BIOS.</summary>
    public EfiFirmware? Efi { get; init; }

    private const string FirmwareMemmap = "/sys/firmware/memmap";
    private const string BootParamsPath = "/sys/kernel/boot_params/data";

    /// <summary>No boot_params and an empty map: what a machine with neither file offers.</summary>
    public static X86Firmware None { get; } = new(null, Array.Empty<MemoryRange>());

    /// <summary>The running machine's: its files, or /proc/iomem's top level (<paramref name="iomem"/>) where there is no firmware map.</summary>
    internal static X86Firmware ReadRunning(IReadOnlyList<IomemEntry> iomem)
    {
        var map = Directory.Exists(FirmwareMemmap)
            ? Boot.MemoryMap.ParseFirmwareMemmap(SysfsList.Entries(FirmwareMemmap)
                .Select(d => (File.ReadAllText(Path.Combine(d, "start")), File.ReadAllText(Path.Combine(d, "end")), File.ReadAllText(Path.Combine(d, "type")))))
            : iomem.Where(e => e.Depth == 0).Select(e => e.Range).ToList();
        return new X86Firmware(File.Exists(BootParamsPath) ? File.ReadAllBytes(BootParamsPath) : null, map) { Efi = EfiFirmware.ReadRunning() };
    }
}
