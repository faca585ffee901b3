using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Boot;
using KexecGen.Interop;
using Xunit;
using KexecGen.Boot.X86;
using KexecGen.Boot.Arm64;
using KexecGen.Boot.Fdt;

namespace KexecGen.Tests.Boot;

/// <summary>
/// The loaders as pure functions: a machine described by hand, an image built by the test, and the plan checked by
/// readers that are not the code under test (fdtget for the device tree, a C program over asm/bootparam.h for boot_params).
/// </summary>
public class LoaderTests
{
    private const ulong Page = 4096;
    private static readonly byte[] Entropy = Enumerable.Range(0, Arm64Image.EntropyBytes).Select(i => (byte)(i * 7 + 1)).ToArray();

    // /proc/iomem of an arm64 virt machine with 1 GiB, its first 2 MiB and a middle range reserved.
    private const string Arm64Iomem = """
        09000000-09000fff : pl011@9000000
          09000000-09000fff : 9000000.pl011 pl011@9000000
        40000000-7fffffff : System RAM
          40000000-401fffff : reserved
          40210000-41b7ffff : Kernel code
          41b80000-4234ffff : reserved
          42350000-4297ffff : Kernel data
          48000000-480fffff : reserved
        """;

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

    private const string BzImageWriter = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <asm/bootparam.h>

        /* writer FILE KERNEL_BYTES: a bzImage whose setup is one struct boot_params (setup_sects 7) and whose
           protected-mode kernel is KERNEL_BYTES of 0xcc, its setup header filled in through the uapi struct. */
        int main(int argc, char **argv)
        {
            static struct boot_params image;
            unsigned long kernel = strtoul(argv[2], NULL, 0);
            struct setup_header *h = &image.hdr;
            h->setup_sects = 7;
            h->syssize = kernel / 16;
            h->jump = 0x66eb;  /* the header ends at 0x202 + 0x66 */
            memcpy(&h->header, "HdrS", 4);
            h->version = 0x020f;
            h->initrd_addr_max = 0x7fffffff;
            h->kernel_alignment = 0x200000;
            h->relocatable_kernel = 1;
            h->xloadflags = 3;     /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
            h->cmdline_size = 2047;
            h->pref_address = 0x1000000;
            h->init_size = 0x800000;
            FILE *f = fopen(argv[1], "wb");
            if (!f || fwrite(&image, sizeof image, 1, f) != 1) return 1;
            for (unsigned long i = 0; i < kernel; i++) fputc(0xcc, f);
            return fclose(f) ? 1 : 0;
        }
        """;

    private const string BootParamsReader = """
        #include <stdio.h>
        #include <asm/bootparam.h>

        /* reader FILE: the fields of a struct boot_params the loader fills in, one "name value" a line. */
        int main(int argc, char **argv)
        {
            static struct boot_params p;
            FILE *f = fopen(argv[1], "rb");
            if (!f || fread(&p, sizeof p, 1, f) != 1) return 1;
            printf("cmd_line_ptr %llu\n", (unsigned long long)p.hdr.cmd_line_ptr | (unsigned long long)p.ext_cmd_line_ptr << 32);
            printf("ramdisk_image %llu\n", (unsigned long long)p.hdr.ramdisk_image | (unsigned long long)p.ext_ramdisk_image << 32);
            printf("ramdisk_size %llu\n", (unsigned long long)p.hdr.ramdisk_size | (unsigned long long)p.ext_ramdisk_size << 32);
            printf("hardware_subarch %u\n", p.hdr.hardware_subarch);
            printf("acpi_rsdp_addr %llu\n", (unsigned long long)p.acpi_rsdp_addr);
            printf("pref_address %llu\n", (unsigned long long)p.hdr.pref_address);
            printf("init_size %u\n", p.hdr.init_size);
            printf("screen_info.orig_video_lines %u\n", p.screen_info.orig_video_lines);
            for (int i = 0; i < p.e820_entries; i++)
                printf("e820 %llx %llx %u\n", (unsigned long long)p.e820_table[i].addr, (unsigned long long)p.e820_table[i].size, p.e820_table[i].type);
            return 0;
        }
        """;

    private static readonly Lazy<string> Writer = new(() => HostC.Compile("bzimage-fixture", BzImageWriter));
    private static readonly Lazy<string> Reader = new(() => HostC.Compile("boot-params-reader", BootParamsReader));

    [Fact]
    public void BzImagePlan_FillsBootParams_AsTheUapiStructReadsThem()
    {
        var image = BzImageFixture(kernelBytes: 64 * 1024);
        var running = new byte[4096];
        running[0x0e] = 25;                                                   // screen_info.orig_video_lines
        BinaryPrimitives.WriteUInt64LittleEndian(running.AsSpan(0x070), 0xf5a40); // acpi_rsdp_addr
        BinaryPrimitives.WriteUInt32LittleEndian(running.AsSpan(0x23c), 0);     // hardware_subarch: PC
        var firmware = MemoryMap.ParseFirmwareMemmap(new[]
        {
            ("0x0", "0x9fbff", "System RAM"), ("0x9fc00", "0x9ffff", "Reserved"), ("0xf0000", "0xfffff", "Reserved"),
            ("0x100000", "0x3ffdffff", "System RAM"), ("0x3ffe0000", "0x3fffffff", "Reserved"), ("0xfffc0000", "0xffffffff", "Reserved"),
        });
        var machine = new MachineDescription(new[] { new MemoryRange(0x1000, 0x9fc00, "System RAM"), new MemoryRange(0x100000, 0x3ffe0000, "System RAM") }, Page, Entropy)
        {
            Firmware = [new X86Firmware(running, firmware)],
        };
        var initrd = new byte[12345];

        var plan = BzImage.Plan(image, initrd, KernelCommandLine.FromString("console=ttyS0 kexecgen"), machine);

        Assert.Equal(KexecArch.X86_64, plan.Architecture);
        var kernel = Segment(plan, "kernel");
        Assert.Equal(0x1000000UL, kernel.Destination);                 // pref_address, 2 MiB-aligned
        Assert.Equal(0x800000UL, kernel.MemorySize);                    // init_size
        Assert.Equal(64 * 1024, kernel.Buffer.Length);                  // the protected-mode kernel only
        Assert.True(kernel.Buffer.Span.ToArray().All(b => b == 0xcc));
        var fields = ReadBootParams(Segment(plan, "boot_params").Buffer.ToArray());
        var line = Segment(plan, "command line");
        Assert.Equal(line.Destination, ulong.Parse(fields["cmd_line_ptr"][0], CultureInfo.InvariantCulture));
        Assert.Equal("console=ttyS0 kexecgen\0", Encoding.ASCII.GetString(line.Buffer.Span));
        Assert.Equal(Segment(plan, "initrd").Destination, ulong.Parse(fields["ramdisk_image"][0], CultureInfo.InvariantCulture));
        Assert.Equal("12345", fields["ramdisk_size"][0]);
        Assert.Equal("16777216", fields["pref_address"][0]);           // the image's setup header, carried over
        Assert.Equal("8388608", fields["init_size"][0]);
        Assert.Equal("1006144", fields["acpi_rsdp_addr"][0]);          // 0xf5a40, from the running kernel's boot_params
        Assert.Equal("25", fields["screen_info.orig_video_lines"][0]);
        Assert.Equal(new[] { "0 9fc00 1", "9fc00 400 2", "f0000 10000 2", "100000 3fee0000 1", "3ffe0000 20000 2", "fffc0000 40000 2" }, fields["e820"]);
        var trampoline = Segment(plan, "trampoline");
        Assert.Equal(plan.Entry, trampoline.Destination);
        Assert.Equal(X86Trampoline.Build(trampoline.Destination, Segment(plan, "boot_params").Destination, kernel.Destination + 0x200), trampoline.Buffer.ToArray());
        SegmentsAreInRamAndApart(plan, machine);
    }

    [Theory]
    [InlineData(0x206, 0x020b, "older than 2.12")]
    [InlineData(0x236, 0, "XLF_KERNEL_64")]
    [InlineData(0x234, 0, "not relocatable")]
    [InlineData(0x1f4, 0x10000, "truncated")]
    public void BzImagePlan_RefusesWhatItCannotBoot(int offset, int value, string reason)
    {
        var image = BzImageFixture(kernelBytes: 4096);
        if (offset == 0x234) image[offset] = (byte)value;
        else if (offset == 0x1f4) BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(offset), (uint)value);
        else BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(offset), (ushort)value);
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x40000000, "System RAM") }, Page, Entropy);

        var e = Assert.Throws<FormatException>(() => BzImage.Plan(image, null, null, machine));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BzImagePlan_RefusesALineLongerThanCmdlineSize()
    {
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x40000000, "System RAM") }, Page, Entropy);

        var e = Assert.Throws<ArgumentException>(() => BzImage.Plan(BzImageFixture(4096), null, KernelCommandLine.FromString(new string('x', 2048)), machine));
        Assert.Contains("at most 2047", e.Message, StringComparison.Ordinal);
    }

    internal static byte[] BzImageFixture(int kernelBytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-bzimage-{Guid.NewGuid():N}");
        var (code, _, err) = ProcessRunner.Run(Writer.Value, TimeSpan.FromSeconds(30), path, kernelBytes.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, err);
        return File.ReadAllBytes(path);
    }

    internal static System.Collections.Generic.Dictionary<string, string[]> ReadBootParams(byte[] parameters)
    {
        var (code, stdout, err) = ProcessRunner.Run(Reader.Value, TimeSpan.FromSeconds(30), DeviceTreeTests.Write(parameters, ".bin"));
        Assert.True(code == 0, err);
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (Name: l[..l.IndexOf(' ', StringComparison.Ordinal)], Value: l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]))
            .GroupBy(f => f.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Value).ToArray(), StringComparer.Ordinal);
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

    private static KexecSegmentSource Segment(BootPlan plan, string contents) =>
        Assert.Single(plan.Segments, s => s.Contents.StartsWith(contents, StringComparison.Ordinal)).Segment;

    // Every segment page-aligned, inside usable RAM, and apart from the others: what kexec_load and the machine need.
    private static void SegmentsAreInRamAndApart(BootPlan plan, MachineDescription machine)
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
