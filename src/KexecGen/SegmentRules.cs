using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Interop;
using KexecGen.Boot;

namespace KexecGen;

/// <summary>The rules kexec_load(2) sets for segments, checked before the syscall so the error can name the segment.</summary>
internal static class SegmentRules
{
    public static void Check(IReadOnlyList<KexecSegmentSource> segments, ulong pageSize)
    {
        if (segments.Count == 0) throw new ArgumentException("kexec_load needs at least one segment (Unload removes a loaded kernel)", nameof(segments));
        if (segments.Count > KexecConstants.KEXEC_SEGMENT_MAX)
        {
            throw new ArgumentException($"{segments.Count} segments; kexec_load takes at most KEXEC_SEGMENT_MAX = {KexecConstants.KEXEC_SEGMENT_MAX}", nameof(segments));
        }
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            if (s.Destination % pageSize != 0) throw new ArgumentException($"segment {i}: destination 0x{s.Destination:x} is not page-aligned ({pageSize} bytes)", nameof(segments));
            if (s.MemorySize % pageSize != 0) throw new ArgumentException($"segment {i}: memory size 0x{s.MemorySize:x} is not a whole number of pages", nameof(segments));
            if ((ulong)s.Buffer.Length > s.MemorySize) throw new ArgumentException($"segment {i}: {s.Buffer.Length} bytes do not fit its memory size 0x{s.MemorySize:x}", nameof(segments));
            if (s.Destination + s.MemorySize < s.Destination) throw new ArgumentException($"segment {i}: destination plus size overflows", nameof(segments));
        }
        var sorted = segments.Select((s, i) => (s.Destination, End: s.Destination + s.MemorySize, Index: i)).OrderBy(s => s.Destination).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Destination < sorted[i - 1].End)
            {
                throw new ArgumentException($"segments {sorted[i - 1].Index} and {sorted[i].Index} overlap at 0x{sorted[i].Destination:x}", nameof(segments));
            }
        }
    }
}
