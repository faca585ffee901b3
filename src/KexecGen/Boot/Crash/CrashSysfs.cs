using System;
using System.Collections.Generic;
using System.Globalization;

namespace KexecGen.Boot.Crash;

/// <summary>Readers of the files in /sys that describe where the dying kernel keeps its notes and which CPUs it has.</summary>
internal static class CrashSysfs
{
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
