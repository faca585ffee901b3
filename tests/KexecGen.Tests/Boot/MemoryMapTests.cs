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

}
