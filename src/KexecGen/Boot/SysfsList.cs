using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace KexecGen.Boot;

/// <summary>A sysfs list: a folder of entries named 0, 1, 2, … (/sys/firmware/memmap, /sys/firmware/efi/runtime-map).</summary>
internal static class SysfsList
{
    /// <summary>The entries' folders in the kernel's order, by number (10 after 9, not after 1); none where it is absent.</summary>
    public static IEnumerable<string> Entries(string folder) => Directory.Exists(folder)
        ? Directory.GetDirectories(folder).OrderBy(d => int.TryParse(Path.GetFileName(d), out int n) ? n : int.MaxValue)
        : Enumerable.Empty<string>();
}
