using System;
using System.Collections.Generic;

namespace KexecGen.Boot;

/// <summary>
/// The running machine as a loader needs it: where RAM is, and what the firmware or the running kernel hands on.
/// <see cref="RunningMachine.Describe"/> reads it from /proc and /sys; tests build it by hand.
/// </summary>
/// <param name="Ram">Usable RAM: System RAM less reserved ranges (<see cref="MemoryMap.UsableRam"/>).</param>
/// <param name="PageSize">The kernel's page size: segments are placed on page boundaries.</param>
/// <param name="Entropy">Random bytes for the seeds a device tree passes on (kaslr-seed, rng-seed): at least <see cref="Arm64.Arm64Image.EntropyBytes"/>.</param>
public sealed record MachineDescription(IReadOnlyList<MemoryRange> Ram, ulong PageSize, ReadOnlyMemory<byte> Entropy)
{
    /// <summary>The device tree to start from (arm64: /sys/firmware/fdt or --dtb); null where there is none.</summary>
    public ReadOnlyMemory<byte>? DeviceTree { get; init; }

    /// <summary>The running kernel's boot_params (x86: /sys/kernel/boot_params/data); null where there is none.</summary>
    public ReadOnlyMemory<byte>? BootParams { get; init; }

    /// <summary>The firmware's memory map for the new kernel's e820 table (x86: /sys/firmware/memmap, else /proc/iomem).</summary>
    public IReadOnlyList<MemoryRange> FirmwareMap { get; init; } = Array.Empty<MemoryRange>();
}
