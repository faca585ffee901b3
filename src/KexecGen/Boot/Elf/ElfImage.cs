using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Boot.Crash;
using KexecGen.Interop;

namespace KexecGen.Boot.Elf;

/// <summary>
/// An ELF executable as kexec_load segments: each PT_LOAD placed at its physical address, the entry point from the
/// header. One of the formats the kexec_load path loads (<see cref="Boot.KernelImage"/>).
/// </summary>
public sealed class ElfImage
{
    private ElfImage(ulong entry, IReadOnlyList<KexecSegmentSource> segments)
    {
        Entry = entry;
        Segments = segments;
    }

    /// <summary>The physical entry address.</summary>
    public ulong Entry { get; }

    /// <summary>The loadable segments, page-aligned.</summary>
    public IReadOnlyList<KexecSegmentSource> Segments { get; }

    /// <summary>Whether <paramref name="image"/> starts like an ELF file.</summary>
    internal static bool IsElf(ReadOnlySpan<byte> image) =>
        image.Length >= 4 && image[0] == 0x7f && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F';

    /// <summary>Whether <paramref name="image"/> starts like an ELF executable (e_type ET_EXEC, in the file's byte order).</summary>
    public static bool IsExecutable(ReadOnlySpan<byte> image)
    {
        const ushort Executable = 2;
        if (!IsElf(image) || image.Length < 6) return false;
        bool is64 = image[4] == 2;
        // Short files are read as headers padded with zeroes: only e_type matters here.
        var start = new byte[ElfHeaders.FileHeaderSize(is64)];
        image[..Math.Min(image.Length, start.Length)].CopyTo(start);
        return image.Length >= 18 && ElfHeaders.ReadFileHeader(start, is64, image[5] == 2).Type == Executable;
    }

    /// <summary>Reads an ELF executable's loadable segments, aligning each to <paramref name="pageSize"/>.</summary>
    /// <exception cref="FormatException">Not an ELF executable with loadable segments.</exception>
    internal static ElfImage Parse(byte[] image, ulong pageSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!IsElf(image) || image.Length < ElfHeaders.FileHeaderSize(false)) throw new FormatException("not an ELF file");
        bool is64 = image[4] == 2, big = image[5] == 2;
        if (image.Length < ElfHeaders.FileHeaderSize(is64)) throw new FormatException("the ELF header is truncated");

        const uint Load = 1;
        const ulong MaxMemory = 1UL << 48; // past any physical address: a larger size is a corrupt header, not a request
        if (!IsExecutable(image)) throw new FormatException("not an ELF executable (ET_EXEC)");
        var header = ElfHeaders.ReadFileHeader(image, is64, big);
        ulong phoff = header.ProgramHeaderOffset;
        int phentsize = header.ProgramHeaderSize, phnum = header.ProgramHeaderCount;
        if (phentsize < ElfHeaders.ProgramHeaderSize(is64)) throw new FormatException($"program headers of {phentsize} bytes are too small");
        if (phoff > (ulong)image.Length || (ulong)phnum * (ulong)phentsize > (ulong)image.Length - phoff)
        {
            throw new FormatException($"{phnum} program headers at offset {phoff} reach past the end of the file");
        }

        var segments = new List<KexecSegmentSource>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = ElfHeaders.ReadProgramHeader(image.AsSpan((int)(phoff + (ulong)i * (ulong)phentsize)), is64, big);
            if (ph.Type != Load) continue;
            ulong offset = ph.Offset, paddr = ph.Physical, filesz = ph.FileSize, memsz = ph.MemorySize;
            if (offset > (ulong)image.Length || filesz > (ulong)image.Length - offset) throw new FormatException($"program header {i} reaches past the end of the file");
            if (memsz > MaxMemory || paddr > MaxMemory) throw new FormatException($"program header {i} places 0x{memsz:x} bytes at 0x{paddr:x}: past any physical memory");
            // The kernel wants page-aligned destinations: start at the page, zero-fill up to the data.
            ulong start = paddr / pageSize * pageSize, lead = paddr - start;
            var bytes = new byte[lead + filesz];
            image.AsSpan((int)offset, (int)filesz).CopyTo(bytes.AsSpan((int)lead));
            ulong size = (lead + Math.Max(memsz, filesz) + pageSize - 1) / pageSize * pageSize;
            segments.Add(new KexecSegmentSource(bytes, start, size));
        }
        if (segments.Count == 0) throw new FormatException("the ELF file has no loadable segment");
        return new ElfImage(header.Entry, segments);
    }

    /// <summary>The plan of an ELF executable: each PT_LOAD at its own physical address, entered at the header's entry point.</summary>
    /// <exception cref="FormatException">The ELF file is malformed.</exception>
    /// <exception cref="ArgumentException">An initrd, a command line or a crash kernel's description was given: an executable takes none.</exception>
    public static BootPlan Plan(ReadOnlyMemory<byte> kernel, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, MachineDescription machine, CrashDescription? crash = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        if (initrd is not null || commandLine is not null) throw new ArgumentException("an ELF executable is loaded as it is: --initrd and --append apply to a bzImage or arm64 Image");
        if (crash is not null) throw new ArgumentException("an ELF executable is loaded as it is: it gets no core header; load a bzImage or arm64 Image as a crash kernel");
        var elf = Parse(kernel.ToArray(), machine.PageSize);
        return new BootPlan(elf.Entry, elf.Segments.Select((s, i) => new PlannedSegment(s, $"ELF program header {i} (PT_LOAD)")).ToList(), KexecArch.Default);
    }
}
