using System;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace KexecGen.Boot;

/// <summary>
/// The running machine as a loader needs it: where RAM is, its page size, fresh entropy, and what each boot protocol
/// read from the firmware or the running kernel to hand on.
/// <see cref="RunningMachine.Describe"/> reads it from /proc and /sys; tests build it by hand.
/// </summary>
/// <param name="Ram">Usable RAM: System RAM less reserved ranges (<see cref="MemoryMap.UsableRam"/>).</param>
/// <param name="PageSize">The kernel's page size: segments are placed on page boundaries.</param>
/// <param name="Entropy">Random bytes for the seeds a plan passes on (a device tree's kaslr-seed and rng-seed): at least <see cref="KernelImage.EntropyBytes"/>.</param>
public sealed record MachineDescription(IReadOnlyList<MemoryRange> Ram, ulong PageSize, ReadOnlyMemory<byte> Entropy)
{
    /// <summary>What each boot protocol read from the firmware (<see cref="X86.X86Firmware"/>, <see cref="Fdt.DeviceTreeFirmware"/>…).</summary>
    public ImmutableArray<FirmwareFacts> Firmware { get; init; } = ImmutableArray<FirmwareFacts>.Empty;

    /// <summary>The facts of type <typeparamref name="T"/>, or null where no protocol read them.</summary>
    public T? FirmwareOf<T>() where T : FirmwareFacts
    {
        foreach (var facts in Firmware)
        {
            if (facts is T found) return found;
        }
        return null;
    }
}
