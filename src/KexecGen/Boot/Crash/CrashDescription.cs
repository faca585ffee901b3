using System;
using System.Collections.Generic;

namespace KexecGen.Boot.Crash;

/// <summary>A range of physical memory the dead kernel's notes live in: a CPU's crash_notes, or vmcoreinfo.</summary>
/// <param name="Address">Its physical address.</param>
/// <param name="Size">Its size in bytes.</param>
public readonly record struct NoteRange(ulong Address, ulong Size);

/// <summary>
/// What a crash kernel must be told about the kernel that will die: its RAM, the crash kernel's reservation, where each
/// CPU's notes and vmcoreinfo are, and how it maps memory. <see cref="RunningMachine.DescribeCrash"/> reads it from
/// /proc and /sys; tests build it by hand.
/// </summary>
/// <param name="SystemRam">The top-level System RAM ranges of /proc/iomem.</param>
/// <param name="CrashKernel">The crash kernel's reservations ("Crash kernel" in /proc/iomem): where its segments go.</param>
/// <param name="CpuNotes">Each possible CPU's crash_notes (/sys/devices/system/cpu/cpuN/crash_notes and _size).</param>
/// <param name="VmcoreInfo">/sys/kernel/vmcoreinfo: the note that tells dump tools the kernel's layout.</param>
/// <param name="Core">The running kernel's ELF machine, byte order and mappings, from /proc/kcore's header.</param>
public sealed record CrashDescription(
    IReadOnlyList<MemoryRange> SystemRam,
    IReadOnlyList<MemoryRange> CrashKernel,
    IReadOnlyList<NoteRange> CpuNotes,
    NoteRange VmcoreInfo,
    KernelCore Core)
{
    /// <summary>
    /// The other ranges of /proc/iomem ("Reserved", "ACPI Tables"…, at any depth, outside System RAM): what a crash
    /// kernel's memory map keeps.
    /// </summary>
    public IReadOnlyList<MemoryRange> OtherResources { get; init; } = Array.Empty<MemoryRange>();
}

