using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using KexecGen.Boot.Elf;

namespace KexecGen.Boot.Crash;

/// <summary>One of the running kernel's virtual mappings of physical memory, as /proc/kcore states it.</summary>
/// <param name="Virtual">The virtual address.</param>
/// <param name="Physical">The physical address it maps.</param>
/// <param name="Size">Bytes mapped.</param>
public readonly record struct KernelMapping(ulong Virtual, ulong Physical, ulong Size);

/// <summary>The ELF header of /proc/kcore as far as a core header needs it: the machine, the byte order, the mappings.</summary>
/// <param name="Machine">e_machine of the running kernel (EM_X86_64, EM_AARCH64…).</param>
/// <param name="BigEndian">Whether the kernel is big-endian.</param>
/// <param name="Mappings">The PT_LOADs of /proc/kcore that map physical memory (p_paddr known).</param>
public sealed record KernelCore(ushort Machine, bool BigEndian, IReadOnlyList<KernelMapping> Mappings)
{
    private const uint Load = 1;

    /// <summary>The offset from physical to virtual address in the kernel's linear map: the one most mappings share.</summary>
    public ulong? LinearOffset =>
        Mappings.GroupBy(m => m.Virtual - m.Physical).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => (ulong?)g.Key).FirstOrDefault();

    /// <summary>Mappings outside the linear map: the kernel image's own (text and data), which dump tools look for.</summary>
    public IEnumerable<KernelMapping> KernelImage => LinearOffset is { } linear ? Mappings.Where(m => m.Virtual - m.Physical != linear) : Enumerable.Empty<KernelMapping>();

    /// <summary>How many bytes of /proc/kcore <see cref="Parse"/> needs, given its first 64.</summary>
    /// <exception cref="FormatException">Not an ELF64 header.</exception>
    internal static long HeaderBytes(ReadOnlySpan<byte> start)
    {
        var header = Ident(start);
        if (header.ProgramHeaderOffset > 1 << 20) throw new FormatException($"/proc/kcore: program headers at offset {header.ProgramHeaderOffset}, past any header");
        return (long)header.ProgramHeaderOffset + (long)header.ProgramHeaderCount * ElfHeaders.ProgramHeaderSize(true);
    }

    /// <summary>Parses /proc/kcore's ELF header and program headers.</summary>
    /// <exception cref="FormatException">Not an ELF64 core header, or truncated; the message says what.</exception>
    internal static KernelCore Parse(ReadOnlySpan<byte> header)
    {
        var file = Ident(header);
        bool big = header[5] == 2;
        ulong phoff = file.ProgramHeaderOffset;
        int size = ElfHeaders.ProgramHeaderSize(true), phnum = file.ProgramHeaderCount;
        if (file.ProgramHeaderSize != size) throw new FormatException($"/proc/kcore: program headers of {file.ProgramHeaderSize} bytes, not {size}");
        if (phoff > (ulong)header.Length || (ulong)phnum * (ulong)size > (ulong)header.Length - phoff)
        {
            throw new FormatException($"/proc/kcore: {phnum} program headers at offset {phoff} reach past the {header.Length} bytes read");
        }
        var mappings = new List<KernelMapping>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = ElfHeaders.ReadProgramHeader(header[(int)(phoff + (ulong)i * (ulong)size)..], true, big);
            if (ph.Type != Load) continue;
            if (ph.Physical == ulong.MaxValue || ph.MemorySize == 0) continue; // vmalloc, modules, I/O: no physical address
            mappings.Add(new KernelMapping(ph.Virtual, ph.Physical, ph.MemorySize));
        }
        return new KernelCore(file.Machine, big, mappings);
    }

    // The ELF64 file header of /proc/kcore, checked.
    private static ElfHeaders.FileHeader Ident(ReadOnlySpan<byte> header)
    {
        if (header.Length < ElfHeaders.FileHeaderSize(true) || header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
        {
            throw new FormatException("/proc/kcore does not start with an ELF header");
        }
        if (header[4] != 2) throw new FormatException("/proc/kcore is not ELF64: this loader builds 64-bit core headers");
        if (header[5] is not (1 or 2)) throw new FormatException($"/proc/kcore: unknown byte order {header[5]}");
        return ElfHeaders.ReadFileHeader(header, true, header[5] == 2);
    }
}

