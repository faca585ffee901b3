using System;
using System.Linq;
using KexecGen.Boot;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>/proc/iomem read as the loaders need it: usable RAM, and a malformed file named where it is wrong.</summary>
public class MemoryMapTests
{
    private const string Arm64Iomem = PlanChecks.Arm64Iomem;

    [Fact]
    public void Iomem_UsableRam_IsSystemRamLessReserved()
    {
        var ram = MemoryMap.UsableRam(MemoryMap.ParseIomem(Arm64Iomem));

        Assert.Equal(new[] { (0x40200000UL, 0x41b80000UL), (0x42350000UL, 0x48000000UL), (0x48100000UL, 0x80000000UL) }, ram.Select(r => (r.Start, r.End)));
    }

    [Theory]
    [InlineData("40000000-7fffffff System RAM", "line 1: expected 'start-end : name'")]
    [InlineData("40000000-3fffffff : System RAM", "ends (0x3fffffff) before it starts")]
    [InlineData("4000000g-7fffffff : System RAM", "'4000000g' is not a hexadecimal address")]
    [InlineData("00000000-00000000 : System RAM\n00000000-00000000 : reserved", "only root sees the real ones")]
    public void Iomem_Malformed_SaysWhere(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => MemoryMap.UsableRam(MemoryMap.ParseIomem(text)));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    // A q35 machine's /proc/iomem under OVMF (shortened): the e820 "Reserved" range of the PCI ECAM sits inside
    // "PCI MMCONFIG", a "Reserved" sits inside another, and the kernel's own ranges inside System RAM.
    private const string Q35Iomem = """
        00000000-00000fff : Reserved
        00001000-0009ffff : System RAM
        00100000-7e8eefff : System RAM
          3d000000-3e1fffff : Kernel code
          61000000-78ffffff : Crash kernel
        7e8ef000-7e8f2fff : ACPI Tables
        7e8f3000-7e96ffff : ACPI Non-volatile Storage
        80000000-afffffff : PCI Bus 0000:00
        b0000000-bfffffff : PCI MMCONFIG 0000 [bus 00-ff]
          b0000000-bfffffff : Reserved
            b0000000-bfffffff : pnp 00:04
        ffc00000-ffffffff : Reserved
          ffe00000-ffefffff : Reserved
        """;

    [Fact]
    public void Iomem_OutsideRam_ReachesNestedRanges_AndLeavesWhatIsInsideRam()
    {
        var outside = MemoryMap.OutsideRam(MemoryMap.ParseIomem(Q35Iomem));

        Assert.Contains(new MemoryRange(0xb0000000, 0xc0000000, "Reserved"), outside);
        Assert.Contains(new MemoryRange(0xffe00000, 0xfff00000, "Reserved"), outside);
        Assert.DoesNotContain(outside, r => r.Kind is "Kernel code" or "Crash kernel" or MemoryMap.SystemRam);
    }
}
