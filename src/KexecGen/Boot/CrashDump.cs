using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace KexecGen.Boot;

/// <summary>A range of physical memory the dead kernel's notes live in: a CPU's crash_notes, or vmcoreinfo.</summary>
/// <param name="Address">Its physical address.</param>
/// <param name="Size">Its size in bytes.</param>
public readonly record struct NoteRange(ulong Address, ulong Size);

/// <summary>One of the running kernel's virtual mappings of physical memory, as /proc/kcore states it.</summary>
/// <param name="Virtual">The virtual address.</param>
/// <param name="Physical">The physical address it maps.</param>
/// <param name="Size">Bytes mapped.</param>
public readonly record struct KernelMapping(ulong Virtual, ulong Physical, ulong Size);

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
    /// <summary>The other top-level ranges of /proc/iomem ("Reserved", "ACPI Tables"…): what a crash kernel's memory map keeps.</summary>
    public IReadOnlyList<MemoryRange> OtherResources { get; init; } = Array.Empty<MemoryRange>();
}

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
    public static long HeaderBytes(ReadOnlySpan<byte> start)
    {
        var header = Ident(start);
        if (header.ProgramHeaderOffset > 1 << 20) throw new FormatException($"/proc/kcore: program headers at offset {header.ProgramHeaderOffset}, past any header");
        return (long)header.ProgramHeaderOffset + (long)header.ProgramHeaderCount * ElfHeaders.ProgramHeaderSize(true);
    }

    /// <summary>Parses /proc/kcore's ELF header and program headers.</summary>
    /// <exception cref="FormatException">Not an ELF64 core header, or truncated; the message says what.</exception>
    public static KernelCore Parse(ReadOnlySpan<byte> header)
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

/// <summary>
/// The ELF core header a crash kernel reads to build /proc/vmcore, made in user space for kexec_load the way the
/// kernel's own file loader makes it (crash_prepare_elf64_headers): a PT_NOTE for each CPU's crash_notes, one for
/// vmcoreinfo, a PT_LOAD for the kernel image's mapping, and a PT_LOAD for each range of RAM outside the crash
/// kernel's reservation. p_offset is the physical address; the crash kernel turns it into a file offset.
/// </summary>
public static class ElfCoreHeader
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

    /// <summary>Parses a CPU's crash_notes file: its physical address in hexadecimal.</summary>
    /// <exception cref="FormatException">Not a hexadecimal address.</exception>
    public static ulong ParseNoteAddress(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MemoryMap.Hex(text.Trim(), where, "address");
    }

    /// <summary>Parses a decimal size (crash_notes_size).</summary>
    /// <exception cref="FormatException">Not a decimal number.</exception>
    public static ulong ParseDecimal(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!ulong.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong value)) throw new FormatException($"{where}: '{Shorten(text)}' is not a decimal size");
        return value;
    }

    /// <summary>Parses /sys/kernel/vmcoreinfo: "ADDRESS SIZE", both hexadecimal.</summary>
    /// <exception cref="FormatException">Not two hexadecimal numbers.</exception>
    public static NoteRange ParseVmcoreInfo(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2) throw new FormatException($"/sys/kernel/vmcoreinfo: expected 'address size', got '{Shorten(text)}'");
        return new NoteRange(ParseNoteAddress(parts[0], "/sys/kernel/vmcoreinfo"), ParseNoteAddress(parts[1], "/sys/kernel/vmcoreinfo"));
    }

    /// <summary>Parses a CPU list such as /sys/devices/system/cpu/possible ("0-3,5").</summary>
    /// <exception cref="FormatException">Not a list of numbers and ranges, or more than 65536 CPUs.</exception>
    public static IReadOnlyList<int> ParseCpuList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cpus = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            if (ends.Length > 2 || !int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                || !int.TryParse(ends[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int last) || last < first)
            {
                throw new FormatException($"/sys/devices/system/cpu/possible: '{Shorten(part)}' is not a CPU or a range of CPUs");
            }
            if (last - first + cpus.Count >= 65536) throw new FormatException("/sys/devices/system/cpu/possible: more than 65536 CPUs");
            for (int c = first; c <= last; c++) cpus.Add(c);
        }
        return cpus;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
