using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using KexecGen.Boot;
using Xunit;
using KexecGen.Boot.X86;
using KexecGen.Boot.Arm64;
using KexecGen.Boot.Fdt;
using KexecGen.Boot.Crash;

namespace KexecGen.Tests.Boot;

/// <summary>
/// The crash kernel's view of the dying one, built by hand and checked by readers that are not ours: binutils' readelf
/// for the ELF core header, fdtget for /chosen, the C reader of asm/bootparam.h for the crash e820.
/// </summary>
public class CrashDumpTests
{
    private const ushort X86_64Machine = 62; // EM_X86_64, as /proc/kcore's header would say

    internal static CrashDescription X86Crash() => new(
        SystemRam: new[] { new MemoryRange(0x1000, 0x9fc00, "System RAM"), new MemoryRange(0x100000, 0x7ffe0000, "System RAM") },
        CrashKernel: new[] { new MemoryRange(0x66000000, 0x7e000000, "Crash kernel") },
        CpuNotes: new[] { new NoteRange(0x7fc1a000, 0x158), new NoteRange(0x7fc5a000, 0x158) },
        VmcoreInfo: new NoteRange(0x2c8a000, 0x1024),
        Core: new KernelCore(X86_64Machine, false, new[]
        {
            new KernelMapping(0xffff888000100000, 0x100000, 0x7fee0000),     // the linear map
            new KernelMapping(0xffff888000001000, 0x1000, 0x9ec00),
            new KernelMapping(0xffffffff9a000000, 0x23e00000, 0x2a00000),   // the kernel image (KASLR)
        }))
    {
        OtherResources = new[]
        {
            new MemoryRange(0, 0x1000, "Reserved"), new MemoryRange(0x9fc00, 0xa0000, "Reserved"), new MemoryRange(0xa0000, 0xc0000, "PCI Bus 0000:00"),
            new MemoryRange(0xf0000, 0x100000, "Reserved"), new MemoryRange(0x7ffe0000, 0x80000000, "ACPI Tables"),
            new MemoryRange(0xb0000000, 0xc0000000, "PCI MMCONFIG 0000 [bus 00-ff]"), new MemoryRange(0xb0000000, 0xc0000000, "Reserved"),
            new MemoryRange(0xfffc0000, 0x100000000, "Reserved"), new MemoryRange(0xfffe0000, 0xffff0000, "Reserved"),
        },
    };

    [Fact]
    public void CoreHeader_IsWhatReadelfReads_NotesLoadsAndTheKernelImage()
    {
        var header = ElfCoreHeader.Build(X86Crash(), new[] { new MemoryRange(0, 1 << 20, "low") });

        var (code, output, err) = ProcessRunner.Run("readelf", TimeSpan.FromMinutes(1), "-h", "-l", "-W", DeviceTreeTests.Write(header, ".core"));
        Assert.True(code == 0, err);
        Assert.Contains("CORE (Core file)", output, StringComparison.Ordinal);
        Assert.Contains("Advanced Micro Devices X86-64", output, StringComparison.Ordinal);
        var rows = Regex.Matches(output, @"^\s+(NOTE|LOAD)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+)", RegexOptions.Multiline)
            .Select(m => (Type: m.Groups[1].Value, Offset: Hex(m.Groups[2].Value), Virtual: Hex(m.Groups[3].Value), Physical: Hex(m.Groups[4].Value), Size: Hex(m.Groups[5].Value)))
            .ToList();
        Assert.Equal(new[] { "NOTE", "NOTE", "NOTE", "LOAD", "LOAD", "LOAD" }, rows.Select(r => r.Type));
        Assert.Equal((0x7fc1a000UL, 0x158UL), (rows[0].Physical, rows[0].Size));
        Assert.Equal((0x2c8a000UL, 0x1024UL), (rows[2].Physical, rows[2].Size));
        Assert.Equal((0xffffffff9a000000UL, 0x23e00000UL, 0x2a00000UL), (rows[3].Virtual, rows[3].Physical, rows[3].Size)); // kernel image
        // RAM outside the reservation and the low 1 MiB, at the linear map's addresses; p_offset is the physical address.
        Assert.Equal((0x100000UL, 0x100000UL, 0xffff888000100000UL, 0x65f00000UL), (rows[4].Offset, rows[4].Physical, rows[4].Virtual, rows[4].Size));
        Assert.Equal((0x7e000000UL, 0x1fe0000UL), (rows[5].Physical, rows[5].Size));
    }

    [Fact]
    public void KcoreHeader_GivesTheMachineAndTheMappingsWithPhysicalAddresses()
    {
        // A kcore-like header: one note, a vmalloc load (no physical address) and two RAM loads, written by hand.
        var header = new byte[64 + 4 * 56];
        "\u007fELF"u8.CopyTo(header);
        header[4] = 2;
        header[5] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(18), 183); // EM_AARCH64
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(56), 4);
        (uint Type, ulong V, ulong P, ulong Size)[] rows = { (4, 0, 0, 0x100), (1, 0xffff800008000000, ulong.MaxValue, 0x1000), (1, 0xffff000040000000, 0x40000000, 0x40000000), (1, 0xffff800080000000, 0x40210000, 0x2000000) };
        for (int i = 0; i < rows.Length; i++)
        {
            var ph = header.AsSpan(64 + i * 56);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, rows[i].Type);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], rows[i].V);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], rows[i].P);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], rows[i].Size);
        }

        Assert.Equal(header.Length, KernelCore.HeaderBytes(header));
        var core = KernelCore.Parse(header);

        Assert.Equal(183, core.Machine);
        Assert.False(core.BigEndian);
        Assert.Equal(2, core.Mappings.Count);
        Assert.Throws<FormatException>(() => KernelCore.Parse(header.AsSpan(0, 100)));
    }

    [Theory]
    [InlineData("0x0000000100c66000 1024", 0x100c66000UL, 0x1024UL)]
    [InlineData("2c8a000 1024\n", 0x2c8a000UL, 0x1024UL)]
    public void Vmcoreinfo_IsTwoHexNumbers(string text, ulong address, ulong size) =>
        Assert.Equal(new NoteRange(address, size), CrashSysfs.ParseVmcoreInfo(text));

    [Theory]
    [InlineData("0-3", new[] { 0, 1, 2, 3 })]
    [InlineData("0,2-3\n", new[] { 0, 2, 3 })]
    [InlineData("0", new[] { 0 })]
    public void PossibleCpus_AreAList(string text, int[] cpus) => Assert.Equal(cpus, CrashSysfs.ParseCpuList(text));

    [Theory]
    [InlineData("3-1")]
    [InlineData("0-99999999")]
    [InlineData("a")]
    public void PossibleCpus_Malformed_AreRefused(string text) => Assert.Throws<FormatException>(() => CrashSysfs.ParseCpuList(text));

    [Fact]
    public void BzImageCrashPlan_LivesInTheReservation_WithTheCrashE820AndElfcorehdr()
    {
        var crash = X86Crash();
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x7ffe0000, "System RAM") }, 4096, new byte[Arm64Image.EntropyBytes])
        {
            Firmware = [new X86Firmware(null, MemoryMap.ParseFirmwareMemmap(new[]
            {
                ("0x0", "0x9fbff", "System RAM"), ("0x9fc00", "0x9ffff", "Reserved"), ("0xf0000", "0xfffff", "Reserved"),
                ("0x100000", "0x7ffdffff", "System RAM"), ("0x7ffe0000", "0x7fffffff", "ACPI Tables"), ("0xfffc0000", "0xffffffff", "Reserved"),
            }))],
        };

        var plan = BzImage.Plan(BzImagePlanTests.BzImageFixture(64 * 1024), new byte[5000], KernelCommandLine.FromString("console=ttyS0"), machine, crash);

        foreach (var s in plan.Sources) Assert.True(s.Destination >= 0x66000000 && s.Destination + s.MemorySize <= 0x7e000000, $"segment at 0x{s.Destination:x} is outside the reservation");
        var header = Assert.Single(plan.Segments, s => s.Contents.StartsWith("ELF core header", StringComparison.Ordinal)).Segment;
        var line = Assert.Single(plan.Segments, s => s.Contents == "command line").Segment;
        Assert.Equal($"console=ttyS0 elfcorehdr=0x{header.Destination:x}\0", Encoding.ASCII.GetString(line.Buffer.Span));
        Assert.Equal(0x66000000UL, header.Destination); // first in the reservation, where the kernel's own loader puts it
        var fields = BzImagePlanTests.ReadBootParams(Assert.Single(plan.Segments, s => s.Contents.StartsWith("boot_params", StringComparison.Ordinal)).Segment.Buffer.ToArray());
        ulong headerEnd = header.Destination + header.MemorySize;
        Assert.Equal(new[]
        {
            "0 1000 2", "1000 9ec00 1", "9fc00 400 2", "f0000 10000 2",              // the low 1 MiB as /proc/iomem has it (no PCI window)
            $"{headerEnd:x} {0x7e000000 - headerEnd:x} 1",                           // the reservation, less the core header
            "7ffe0000 20000 3", "b0000000 10000000 2", "fffc0000 40000 2",           // ACPI and reserved ranges kept, nested ones once
        }, fields["e820"]);
    }

    [Fact]
    public void Arm64CrashPlan_TellsTheCrashKernelWhereTheHeaderAndItsMemoryAre()
    {
        var crash = X86Crash() with
        {
            SystemRam = new[] { new MemoryRange(0x40000000, 0xc0000000, "System RAM") },
            CrashKernel = new[] { new MemoryRange(0xa1a00000, 0xb9a00000, "Crash kernel") },
        };
        var dtb = DeviceTreeTests.Dtc("-I", "dts", "-O", "dtb", DeviceTreeTests.Write(Encoding.UTF8.GetBytes("/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; chosen { }; };"), ".dts"));
        var machine = new MachineDescription(new[] { new MemoryRange(0x40000000, 0xc0000000, "System RAM") }, 4096, new byte[Arm64Image.EntropyBytes]) { Firmware = [new DeviceTreeFirmware(dtb)] };
        var image = new byte[4096];
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(16), 2 << 20);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(56), Arm64Image.Magic);

        var plan = Arm64Image.Plan(image, null, KernelCommandLine.FromString("console=ttyAMA0"), machine, crash);

        foreach (var s in plan.Sources) Assert.True(s.Destination >= 0xa1a00000 && s.Destination + s.MemorySize <= 0xb9a00000, $"segment at 0x{s.Destination:x} is outside the reservation");
        var header = Assert.Single(plan.Segments, s => s.Contents.StartsWith("ELF core header", StringComparison.Ordinal)).Segment;
        var path = DeviceTreeTests.Write(Assert.Single(plan.Segments, s => s.Contents == "device tree").Segment.Buffer.ToArray(), ".dtb");
        Assert.Equal($"0 {header.Destination:x} 0 {header.MemorySize:x}", DeviceTreeTests.Fdtget("-t", "x", path, "/chosen", "linux,elfcorehdr"));
        Assert.Equal("0 a1a00000 0 18000000", DeviceTreeTests.Fdtget("-t", "x", path, "/chosen", "linux,usable-memory-range"));
    }

    [Fact]
    public void CrashPlan_TooBigForTheReservation_SaysSo()
    {
        var crash = X86Crash() with { CrashKernel = new[] { new MemoryRange(0x66000000, 0x66400000, "Crash kernel") } };
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x7ffe0000, "System RAM") }, 4096, new byte[Arm64Image.EntropyBytes]);

        var e = Assert.Throws<ArgumentException>(() => BzImage.Plan(BzImagePlanTests.BzImageFixture(64 * 1024), null, null, machine, crash));
        Assert.StartsWith("the kernel (8 MiB) does not fit in the crash kernel's free reservation (crashkernel=)", e.Message, StringComparison.Ordinal);
    }

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
