using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace KexecGen.Boot;

/// <summary>A physical address range [<paramref name="Start"/>, <paramref name="End"/>) and what it is.</summary>
/// <param name="Start">The first byte.</param>
/// <param name="End">One past the last byte.</param>
/// <param name="Kind">What holds it, as the kernel names it ("System RAM", "reserved", "ACPI Tables"…).</param>
public readonly record struct MemoryRange(ulong Start, ulong End, string Kind)
{
    /// <summary>The range's length in bytes.</summary>
    public ulong Size => End - Start;

    /// <inheritdoc />
    public override string ToString() => $"0x{Start:x}-0x{End:x} {Kind}";
}

/// <summary>One line of /proc/iomem: a range, its name and how deep it is nested (0 at the top).</summary>
/// <param name="Range">The range, end exclusive.</param>
/// <param name="Depth">The nesting level: two spaces of indent a level.</param>
internal readonly record struct IomemEntry(MemoryRange Range, int Depth);

/// <summary>
/// The running machine's memory, as the kernel reports it in /proc/iomem and /sys/firmware/memmap: parsed from their
/// text (pure functions; reading the files is <see cref="RunningMachine"/>'s job).
/// </summary>
public static class MemoryMap
{
    /// <summary>The name /proc/iomem and /sys/firmware/memmap give usable RAM.</summary>
    public const string SystemRam = "System RAM";

    /// <summary>Parses /proc/iomem ("start-end : name" lines, inclusive hexadecimal ends, two spaces of indent a level).</summary>
    /// <exception cref="FormatException">A line is not of that form; the message gives the line number.</exception>
    internal static IReadOnlyList<IomemEntry> ParseIomem(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<IomemEntry>();
        int number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            int indent = line.Length - line.TrimStart(' ').Length;
            int dash = line.IndexOf('-', indent), colon = line.IndexOf(" : ", indent, StringComparison.Ordinal);
            if (dash < 0 || colon < dash) throw new FormatException($"/proc/iomem line {number}: expected 'start-end : name', got '{Shorten(line)}'");
            string where = $"/proc/iomem line {number}";
            ulong start = Hex(line[indent..dash], where, "start"), last = Hex(line[(dash + 1)..colon], where, "end");
            if (last < start) throw new FormatException($"/proc/iomem line {number}: the range ends (0x{last:x}) before it starts (0x{start:x})");
            if (last == ulong.MaxValue) throw new FormatException($"/proc/iomem line {number}: a range reaching the last address is not usable memory");
            entries.Add(new IomemEntry(new MemoryRange(start, last + 1, line[(colon + 3)..].Trim()), indent / 2));
        }
        return entries;
    }

    /// <summary>
    /// Where the new kernel may be placed, as kexec-tools takes it: the top-level "System RAM" ranges less every
    /// "reserved" range inside them and the crash kernel's reservation, sorted. All zero addresses (what a reader
    /// without CAP_SYS_ADMIN sees) give an error rather than an empty map.
    /// </summary>
    /// <exception cref="FormatException">No usable RAM, or only zero addresses.</exception>
    internal static IReadOnlyList<MemoryRange> UsableRam(IReadOnlyList<IomemEntry> iomem)
    {
        ArgumentNullException.ThrowIfNull(iomem);
        if (iomem.Count > 0 && iomem.All(e => e.Range.Start == 0 && e.Range.End == 1))
        {
            throw new FormatException("/proc/iomem shows every address as 0: only root sees the real ones");
        }
        var ram = iomem.Where(e => e.Depth == 0 && e.Range.Kind == SystemRam).Select(e => e.Range);
        var excluded = iomem.Where(e => e.Depth > 0 && (e.Range.Kind.Equals("reserved", StringComparison.OrdinalIgnoreCase) || e.Range.Kind == "Crash kernel")).Select(e => e.Range);
        var usable = Subtract(ram, excluded);
        if (usable.Count == 0) throw new FormatException("/proc/iomem names no System RAM");
        return usable;
    }

    /// <summary>
    /// The ranges of /proc/iomem that are not RAM and lie outside it, at any depth, as the kernel's crash loader walks
    /// the resource tree (a "Reserved" range can sit inside "PCI MMCONFIG"); what lies inside System RAM (the kernel's
    /// code and data, the crash reservation) is left out.
    /// </summary>
    internal static IReadOnlyList<MemoryRange> OutsideRam(IReadOnlyList<IomemEntry> iomem)
    {
        var ram = iomem.Where(e => e.Depth == 0 && e.Range.Kind == SystemRam).Select(e => e.Range).ToList();
        return iomem.Select(e => e.Range).Where(r => r.Kind != SystemRam && !ram.Any(m => m.Start <= r.Start && r.End <= m.End)).ToList();
    }

    /// <summary>The ranges of the crash kernel's reservation ("Crash kernel" in /proc/iomem), sorted.</summary>
    internal static IReadOnlyList<MemoryRange> CrashKernel(IReadOnlyList<IomemEntry> iomem) =>
        iomem.Where(e => e.Range.Kind == "Crash kernel").Select(e => e.Range).OrderBy(r => r.Start).ToList();

    /// <summary>
    /// Parses /sys/firmware/memmap: one (start, end, type) triple of text a directory, ends inclusive; the firmware's
    /// own map, before the kernel changed it, which is what a new kernel's e820 table should be.
    /// </summary>
    /// <exception cref="FormatException">A number is not hexadecimal, or a range ends before it starts.</exception>
    internal static IReadOnlyList<MemoryRange> ParseFirmwareMemmap(IEnumerable<(string Start, string End, string Type)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var list = new List<MemoryRange>();
        int index = 0;
        foreach (var (startText, endText, type) in entries)
        {
            string where = $"/sys/firmware/memmap/{index}";
            ulong start = Hex(startText.Trim(), where, "start"), last = Hex(endText.Trim(), where, "end");
            if (last < start || last == ulong.MaxValue) throw new FormatException($"/sys/firmware/memmap/{index}: the range 0x{start:x}-0x{last:x} is not a valid range");
            list.Add(new MemoryRange(start, last + 1, type.Trim()));
            index++;
        }
        return list.OrderBy(r => r.Start).ToList();
    }

    /// <summary><paramref name="from"/> less every range of <paramref name="remove"/>, merged and sorted.</summary>
    internal static IReadOnlyList<MemoryRange> Subtract(IEnumerable<MemoryRange> from, IEnumerable<MemoryRange> remove)
    {
        var result = new List<MemoryRange>();
        var holes = remove.OrderBy(r => r.Start).ToList();
        foreach (var range in Merge(from))
        {
            ulong at = range.Start;
            foreach (var hole in holes)
            {
                if (hole.End <= at || hole.Start >= range.End) continue;
                if (hole.Start > at) result.Add(range with { Start = at, End = hole.Start });
                at = Math.Max(at, hole.End);
                if (at >= range.End) break;
            }
            if (at < range.End) result.Add(range with { Start = at });
        }
        return result;
    }

    // Sorted, with touching or overlapping ranges of one kind joined.
    private static List<MemoryRange> Merge(IEnumerable<MemoryRange> ranges)
    {
        var merged = new List<MemoryRange>();
        foreach (var r in ranges.Where(r => r.End > r.Start).OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && merged[^1].End >= r.Start && merged[^1].Kind == r.Kind)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, r.End) };
            }
            else
            {
                merged.Add(r);
            }
        }
        return merged;
    }

    internal static ulong Hex(string text, string where, string what)
    {
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (digits.Length is 0 or > 16 || !ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value))
        {
            throw new FormatException($"{where}: the {what} '{Shorten(text)}' is not a hexadecimal address");
        }
        return value;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
