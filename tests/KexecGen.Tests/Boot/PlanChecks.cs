using System;
using System.Linq;
using KexecGen.Boot;
using KexecGen.Boot.Arm64;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>What the loader tests of every protocol share: a page size, fixed entropy, a machine's /proc/iomem, and the checks every plan must pass.</summary>
internal static class PlanChecks
{
    public const ulong Page = 4096;
    public static readonly byte[] Entropy = Enumerable.Range(0, Arm64Image.EntropyBytes).Select(i => (byte)(i * 7 + 1)).ToArray();

    // /proc/iomem of an arm64 virt machine with 1 GiB, its first 2 MiB and a middle range reserved.
    public const string Arm64Iomem = """
        09000000-09000fff : pl011@9000000
          09000000-09000fff : 9000000.pl011 pl011@9000000
        40000000-7fffffff : System RAM
          40000000-401fffff : reserved
          40210000-41b7ffff : Kernel code
          41b80000-4234ffff : reserved
          42350000-4297ffff : Kernel data
          48000000-480fffff : reserved
        """;

    public static KexecSegmentSource Segment(BootPlan plan, string contents) =>
        Assert.Single(plan.Segments, s => s.Contents.StartsWith(contents, StringComparison.Ordinal)).Segment;

    // Every segment page-aligned, inside usable RAM, and apart from the others: what kexec_load and the machine need.
    public static void SegmentsAreInRamAndApart(BootPlan plan, MachineDescription machine)
    {
        var segments = plan.Sources.OrderBy(s => s.Destination).ToList();
        foreach (var s in segments)
        {
            Assert.Equal(0UL, s.Destination % Page);
            Assert.Equal(0UL, s.MemorySize % Page);
            Assert.True((ulong)s.Buffer.Length <= s.MemorySize);
            Assert.Contains(machine.Ram, r => r.Start <= s.Destination && s.Destination + s.MemorySize <= r.End);
        }
        for (int i = 1; i < segments.Count; i++) Assert.True(segments[i - 1].Destination + segments[i - 1].MemorySize <= segments[i].Destination);
    }
}
