using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Linq;
using System.Text;
using KexecGen.Boot;
using KexecGen.Boot.Arm64;
using KexecGen.Boot.Fdt;
using KexecGen.Interop;
using Xunit;
using static KexecGen.Tests.Boot.PlanChecks;

namespace KexecGen.Tests.Boot;

/// <summary>
/// The arm64 Image loader as a pure function: a machine described by hand, an image built by the test, and the plan
/// checked by a reader that is not the code under test (fdtget for the device tree).
/// </summary>
public class Arm64ImageTests
{
    [Fact]
    public void Arm64Plan_PlacesTheImage_TheInitrd_TheTree_AndATrampolineThatEntersIt()
    {
        var image = FakeImage(textOffset: 0x10000, imageSize: 3 << 20, fileBytes: 1 << 20);
        var initrd = new byte[5000];
        var dtb = DeviceTreeTests.Dtc("-I", "dts", "-O", "dtb", DeviceTreeTests.Write(Encoding.UTF8.GetBytes("""
            /dts-v1/;
            / { chosen { bootargs = "old"; linux,elfcorehdr = <0 1>; linux,usable-memory-range = <0 1 0 2>; }; };
            """), ".dts"));
        var machine = new MachineDescription(MemoryMap.UsableRam(MemoryMap.ParseIomem(Arm64Iomem)), Page, Entropy) { Firmware = [new DeviceTreeFirmware(dtb)] };

        var plan = Arm64Image.Plan(image, initrd, KernelCommandLine.FromString("console=ttyAMA0 kexecgen"), machine);

        Assert.Equal(KexecArch.Aarch64, plan.Architecture);
        var kernel = Segment(plan, "kernel Image");
        Assert.Equal(0x40200000UL + 0x10000, kernel.Destination); // the first 2 MiB-aligned base with room: 0x40000000 is reserved
        Assert.Equal(3UL << 20, kernel.MemorySize);
        var rd = Segment(plan, "initrd");
        var tree = Segment(plan, "device tree");
        Assert.Equal(0UL, tree.Destination % (2 << 20));
        var path = DeviceTreeTests.Write(tree.Buffer.ToArray(), ".dtb");
        Assert.Equal("console=ttyAMA0 kexecgen", DeviceTreeTests.Fdtget("-t", "s", path, "/chosen", "bootargs"));
        Assert.Equal($"{rd.Destination >> 32:x} {rd.Destination & 0xffffffff:x}", DeviceTreeTests.Fdtget("-t", "x", path, "/chosen", "linux,initrd-start"));
        Assert.Equal($"{(rd.Destination + 5000) >> 32:x} {(rd.Destination + 5000) & 0xffffffff:x}", DeviceTreeTests.Fdtget("-t", "x", path, "/chosen", "linux,initrd-end"));
        Assert.Equal(Entropy[..8], DeviceTreeTests.Fdtget("-t", "bx", path, "/chosen", "kaslr-seed").Split(' ').Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        Assert.Equal(Arm64Image.RngSeedBytes, DeviceTreeTests.Fdtget("-t", "bx", path, "/chosen", "rng-seed").Split(' ').Length);
        foreach (var gone in new[] { "linux,elfcorehdr", "linux,usable-memory-range" })
        {
            Assert.NotEqual(0, ProcessRunner.Run("fdtget", TimeSpan.FromMinutes(1), path, "/chosen", gone).Code);
        }
        var trampoline = Segment(plan, "trampoline");
        Assert.Equal(plan.Entry, trampoline.Destination);
        Assert.Equal(Arm64Trampoline.Build(tree.Destination, kernel.Destination), trampoline.Buffer.ToArray());
        SegmentsAreInRamAndApart(plan, machine);
    }

    [Fact]
    public void Arm64Plan_WithoutInitrdOrCommandLine_RemovesThemFromChosen()
    {
        var dtb = DeviceTreeTests.Dtc("-I", "dts", "-O", "dtb", DeviceTreeTests.Write(Encoding.UTF8.GetBytes("""
            /dts-v1/;
            / { chosen { bootargs = "old"; linux,initrd-start = <0x48000000>; linux,initrd-end = <0x48100000>; }; };
            """), ".dts"));
        var machine = new MachineDescription(new[] { new MemoryRange(0x40000000, 0x80000000, MemoryMap.SystemRam) }, Page, Entropy) { Firmware = [new DeviceTreeFirmware(dtb)] };

        var plan = Arm64Image.Plan(FakeImage(0, 2 << 20, 4096), null, null, machine);

        var path = DeviceTreeTests.Write(Segment(plan, "device tree").Buffer.ToArray(), ".dtb");
        var (code, stdout, _) = ProcessRunner.Run("fdtget", TimeSpan.FromMinutes(1), "-p", path, "/chosen");
        Assert.Equal(0, code);
        Assert.Equal(new[] { "kaslr-seed", "rng-seed" }, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1UL, "big-endian")]
    public void Arm64Plan_RefusesWhatItCannotBoot(ulong flags, string reason)
    {
        var image = FakeImage(0, 2 << 20, 4096);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(24), flags);
        var machine = new MachineDescription(new[] { new MemoryRange(0x40000000, 0x80000000, MemoryMap.SystemRam) }, Page, Entropy) { Firmware = [new DeviceTreeFirmware(new DeviceTree().ToArray())] };

        var e = Assert.Throws<FormatException>(() => Arm64Image.Plan(image, null, null, machine));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Arm64Plan_ThatDoesNotFit_NamesWhatAndHowBig()
    {
        var machine = new MachineDescription(new[] { new MemoryRange(0x40000000, 0x40800000, MemoryMap.SystemRam) }, Page, Entropy) { Firmware = [new DeviceTreeFirmware(new DeviceTree().ToArray())] };

        var e = Assert.Throws<ArgumentException>(() => Arm64Image.Plan(FakeImage(0, 2 << 20, 4096), new byte[16 << 20], null, machine));
        Assert.StartsWith("the initrd (16 MiB) does not fit in free RAM", e.Message, StringComparison.Ordinal);
    }

    // An Image header (booting.rst) on zeroes: magic, text_offset, image_size, flags 0xa (4K pages, anywhere).
    internal static byte[] FakeImage(ulong textOffset, ulong imageSize, int fileBytes)
    {
        var image = new byte[fileBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(8), textOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(16), imageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(24), 0xa);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(56), 0x644d5241);
        return image;
    }
}
