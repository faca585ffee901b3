using System;
using System.Collections.Generic;
using KexecGen.Boot.Crash;

namespace KexecGen.Boot;

/// <summary>Places segments in free RAM: lowest address first, each carved out of the free list once placed.</summary>
internal sealed class PhysicalPlacement
{
    private readonly List<MemoryRange> _free;
    private readonly ulong _pageSize;
    private readonly string _where;

    public PhysicalPlacement(IReadOnlyList<MemoryRange> ram, ulong pageSize, string where = "free RAM")
    {
        _where = where;
        if (pageSize == 0 || (pageSize & (pageSize - 1)) != 0) throw new ArgumentException($"page size {pageSize} is not a power of two", nameof(pageSize));
        _pageSize = pageSize;
        _free = new List<MemoryRange>();
        foreach (var r in MemoryMap.Subtract(ram, Array.Empty<MemoryRange>()))
        {
            // Whole pages only: a segment starts and ends on a page boundary.
            ulong start = AlignUp(r.Start, pageSize), end = r.End / pageSize * pageSize;
            if (start != 0 && end > start) _free.Add(r with { Start = start, End = end });
            else if (start == 0 && end > pageSize) _free.Add(r with { Start = pageSize, End = end }); // never hand out address 0
        }
    }

    /// <summary>Free RAM for a normal load; for a crash kernel, its reservation (the kernel refuses segments elsewhere).</summary>
    public static PhysicalPlacement For(MachineDescription machine, CrashDescription? crash) =>
        crash is null
            ? new PhysicalPlacement(machine.Ram, machine.PageSize)
            : new PhysicalPlacement(crash.CrashKernel, machine.PageSize, "the crash kernel's free reservation (crashkernel=)");

    /// <summary>The lowest address at or above <paramref name="min"/>, aligned to <paramref name="alignment"/>, where <paramref name="size"/> bytes fit below <paramref name="max"/>; reserved from then on.</summary>
    /// <exception cref="ArgumentException">Nowhere fits; the message names <paramref name="what"/> and the sizes.</exception>
    public ulong Place(string what, ulong size, ulong alignment, ulong min = 0, ulong max = ulong.MaxValue)
    {
        size = AlignUp(Math.Max(size, 1), _pageSize);
        alignment = Math.Max(alignment, _pageSize);
        for (int i = 0; i < _free.Count; i++)
        {
            var r = _free[i];
            ulong start = AlignUp(Math.Max(r.Start, min), alignment);
            if (start < r.Start || start >= r.End || r.End - start < size || start + size > max) continue;
            _free.RemoveAt(i);
            if (start + size < r.End) _free.Insert(i, r with { Start = start + size });
            if (r.Start < start) _free.Insert(i, r with { End = start });
            return start;
        }
        throw new ArgumentException($"the {what} ({Size(size)}) does not fit in {_where}{(max != ulong.MaxValue ? $" below 0x{max:x}" : "")}{(min > 0 ? $" at or above 0x{min:x}" : "")} (free: {(_free.Count == 0 ? "none" : string.Join(", ", _free.ConvertAll(f => $"0x{f.Start:x}-0x{f.End:x}")))})");
    }

    /// <summary>A crash kernel's ELF core header, placed like any segment (first, so at the reservation's start).</summary>
    public PlannedSegment PlaceCoreHeader(byte[] header)
    {
        ulong at = Place("ELF core header", (ulong)header.Length, _pageSize);
        return new PlannedSegment(new KexecSegmentSource(header, at, AlignUp((ulong)header.Length, _pageSize)), $"ELF core header ({ElfCoreHeader.ProgramHeaders(header)} program headers)");
    }

    // Saturates instead of wrapping: an address past the top never fits anywhere.
    public static ulong AlignUp(ulong value, ulong alignment) =>
        alignment <= 1 ? value : value > ulong.MaxValue - (alignment - 1) ? ulong.MaxValue : (value + alignment - 1) / alignment * alignment;

    public static string Size(ulong bytes) => bytes >= 1 << 20 ? $"{bytes / (1024.0 * 1024):0.#} MiB" : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.#} KiB" : $"{bytes} bytes";
}
