using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

using KexecGen.Boot.Elf;

namespace KexecGen.Boot.Crash;

/// <summary>
/// The ELF core header a crash kernel reads to build /proc/vmcore, made in user space for kexec_load the way the
/// kernel's own file loader makes it (crash_prepare_elf64_headers): a PT_NOTE for each CPU's crash_notes, one for
/// vmcoreinfo, a PT_LOAD for the kernel image's mapping, and a PT_LOAD for each range of RAM outside the crash
/// kernel's reservation. p_offset is the physical address; the crash kernel turns it into a file offset.
/// </summary>
internal static class ElfCoreHeader
{
    private const uint Load = 1, Note = 4;
    private const ushort Core = 4;                      // ET_CORE
    private const uint ReadWriteExecute = 7;            // PF_R | PF_W | PF_X, as the kernel writes them

    /// <summary>Most program headers a header may hold: e_phnum is 16 bits, and 0xffff means "look elsewhere".</summary>
    public const int MaxProgramHeaders = 0xfffe;

    /// <summary>
    /// The RAM a crash kernel should find in the dump: <see cref="CrashDescription.SystemRam"/> less the crash
    /// kernel's reservation and less <paramref name="alsoExclude"/> (x86: the low 1 MiB, which the crash kernel is given
    /// to use), sorted.
    /// </summary>
    public static IReadOnlyList<MemoryRange> DumpedRam(CrashDescription crash, IEnumerable<MemoryRange>? alsoExclude = null)
    {
        ArgumentNullException.ThrowIfNull(crash);
        return MemoryMap.Subtract(crash.SystemRam, crash.CrashKernel.Concat(alsoExclude ?? Enumerable.Empty<MemoryRange>()));
    }

    /// <summary>Builds the header (ELF64, in the running kernel's byte order and machine).</summary>
    /// <exception cref="ArgumentException">More than <see cref="MaxProgramHeaders"/> program headers would be needed.</exception>
    public static byte[] Build(CrashDescription crash, IEnumerable<MemoryRange>? alsoExclude = null)
    {
        ArgumentNullException.ThrowIfNull(crash);
        var ram = DumpedRam(crash, alsoExclude);
        ulong? linear = crash.Core.LinearOffset;
        var headers = new List<(uint Type, ulong Offset, ulong Virtual, ulong Physical, ulong Size)>();
        foreach (var n in crash.CpuNotes) headers.Add((Note, n.Address, 0, n.Address, n.Size));
        headers.Add((Note, crash.VmcoreInfo.Address, 0, crash.VmcoreInfo.Address, crash.VmcoreInfo.Size));
        foreach (var k in crash.Core.KernelImage) headers.Add((Load, k.Physical, k.Virtual, k.Physical, k.Size));
        foreach (var r in ram) headers.Add((Load, r.Start, linear is { } l ? r.Start + l : 0, r.Start, r.Size));
        if (headers.Count > MaxProgramHeaders) throw new ArgumentException($"the core header would need {headers.Count} program headers; ELF allows {MaxProgramHeaders}");

        bool big = crash.Core.BigEndian;
        int fileHeader = ElfHeaders.FileHeaderSize(true), programHeader = ElfHeaders.ProgramHeaderSize(true);
        var bytes = new byte[fileHeader + headers.Count * programHeader];
        ElfHeaders.WriteFileHeader(bytes, big, 1 /* EV_CURRENT */, new ElfHeaders.FileHeader(Core, crash.Core.Machine, 0, (ulong)fileHeader, programHeader, headers.Count));
        for (int i = 0; i < headers.Count; i++)
        {
            var (type, offset, vaddr, paddr, size) = headers[i];
            ElfHeaders.WriteProgramHeader(bytes.AsSpan(fileHeader + i * programHeader), big,
                new ElfHeaders.ProgramHeader(type, type == Load ? ReadWriteExecute : 0, offset, vaddr, paddr, size, size));
        }
        return bytes;
    }

    /// <summary>How many program headers a header made by <see cref="Build"/> holds.</summary>
    public static int ProgramHeaders(ReadOnlySpan<byte> header) =>
        header.Length < ElfHeaders.FileHeaderSize(true) ? 0 : ElfHeaders.ReadFileHeader(header, true, header[5] == 2).ProgramHeaderCount;
}
