using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using KexecGen.Interop;

namespace KexecGen.Boot.Elf;

/// <summary>
/// ELF file and program headers read and written through the generated structs (<c>linux/elf.h</c>'s elf64_hdr,
/// elf64_phdr, elf32_hdr, elf32_phdr, laid out as every ABI's compiler does), in the file's byte order whatever the
/// host's: no offset is typed here.
/// </summary>
internal static class ElfHeaders
{
    /// <summary>What the loaders read of an ELF file header, in host order.</summary>
    internal readonly record struct FileHeader(ushort Type, ushort Machine, ulong Entry, ulong ProgramHeaderOffset, int ProgramHeaderSize, int ProgramHeaderCount);

    /// <summary>An ELF program header, in host order.</summary>
    internal readonly record struct ProgramHeader(uint Type, uint Flags, ulong Offset, ulong Virtual, ulong Physical, ulong FileSize, ulong MemorySize);

    public static unsafe int FileHeaderSize(bool is64) => is64 ? sizeof(Elf64Header) : sizeof(Elf32Header);

    public static unsafe int ProgramHeaderSize(bool is64) => is64 ? sizeof(Elf64ProgramHeader) : sizeof(Elf32ProgramHeader);

    /// <summary>The file header at the start of <paramref name="bytes"/>, which holds at least <see cref="FileHeaderSize"/> of them.</summary>
    public static FileHeader ReadFileHeader(ReadOnlySpan<byte> bytes, bool is64, bool bigEndian)
    {
        bool swap = Swaps(bigEndian);
        if (is64)
        {
            var h = MemoryMarshal.Read<Elf64Header>(bytes);
            return new(O(h.EType, swap), O(h.EMachine, swap), O(h.EEntry, swap), O(h.EPhoff, swap), O(h.EPhentsize, swap), O(h.EPhnum, swap));
        }
        var h32 = MemoryMarshal.Read<Elf32Header>(bytes);
        return new(O(h32.EType, swap), O(h32.EMachine, swap), O(h32.EEntry, swap), O(h32.EPhoff, swap), O(h32.EPhentsize, swap), O(h32.EPhnum, swap));
    }

    /// <summary>The program header at the start of <paramref name="bytes"/>.</summary>
    public static ProgramHeader ReadProgramHeader(ReadOnlySpan<byte> bytes, bool is64, bool bigEndian)
    {
        bool swap = Swaps(bigEndian);
        if (is64)
        {
            var p = MemoryMarshal.Read<Elf64ProgramHeader>(bytes);
            return new(O(p.PType, swap), O(p.PFlags, swap), O(p.POffset, swap), O(p.PVaddr, swap), O(p.PPaddr, swap), O(p.PFilesz, swap), O(p.PMemsz, swap));
        }
        var p32 = MemoryMarshal.Read<Elf32ProgramHeader>(bytes);
        return new(O(p32.PType, swap), O(p32.PFlags, swap), O(p32.POffset, swap), O(p32.PVaddr, swap), O(p32.PPaddr, swap), O(p32.PFilesz, swap), O(p32.PMemsz, swap));
    }

    /// <summary>Writes an ELF64 file header (identification, then <paramref name="header"/>) in the given byte order.</summary>
    public static void WriteFileHeader(Span<byte> bytes, bool bigEndian, ushort version, FileHeader header)
    {
        bool swap = Swaps(bigEndian);
        var h = new Elf64Header
        {
            EType = O(header.Type, swap),
            EMachine = O(header.Machine, swap),
            EVersion = O((uint)version, swap),
            EEntry = O(header.Entry, swap),
            EPhoff = O(header.ProgramHeaderOffset, swap),
            EEhsize = O((ushort)FileHeaderSize(true), swap),
            EPhentsize = O((ushort)header.ProgramHeaderSize, swap),
            EPhnum = O((ushort)header.ProgramHeaderCount, swap),
        };
        Span<byte> ident = h.EIdent;
        "\u007fELF"u8.CopyTo(ident);
        ident[4] = 2;                          // ELFCLASS64
        ident[5] = (byte)(bigEndian ? 2 : 1);  // ELFDATA2MSB / ELFDATA2LSB
        ident[6] = (byte)version;              // EV_CURRENT
        MemoryMarshal.Write(bytes, in h);
    }

    /// <summary>Writes an ELF64 program header in the given byte order.</summary>
    public static void WriteProgramHeader(Span<byte> bytes, bool bigEndian, ProgramHeader header)
    {
        bool swap = Swaps(bigEndian);
        var p = new Elf64ProgramHeader
        {
            PType = O(header.Type, swap),
            PFlags = O(header.Flags, swap),
            POffset = O(header.Offset, swap),
            PVaddr = O(header.Virtual, swap),
            PPaddr = O(header.Physical, swap),
            PFilesz = O(header.FileSize, swap),
            PMemsz = O(header.MemorySize, swap),
        };
        MemoryMarshal.Write(bytes, in p);
    }

    // Whether a file in this byte order reads reversed on this host.
    private static bool Swaps(bool bigEndian) => bigEndian == BitConverter.IsLittleEndian;

    private static ushort O(ushort value, bool swap) => swap ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static uint O(uint value, bool swap) => swap ? BinaryPrimitives.ReverseEndianness(value) : value;

    private static ulong O(ulong value, bool swap) => swap ? BinaryPrimitives.ReverseEndianness(value) : value;
}
