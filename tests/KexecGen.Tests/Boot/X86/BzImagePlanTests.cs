using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Boot;
using KexecGen.Boot.Fdt;
using KexecGen.Boot.X86;
using KexecGen.Interop;
using Xunit;
using static KexecGen.Tests.Boot.PlanChecks;

namespace KexecGen.Tests.Boot;

/// <summary>
/// The bzImage loader as a pure function: a machine described by hand, an image written by a C program through
/// asm/bootparam.h, and boot_params read back by another C program over the same uapi struct.
/// </summary>
public class BzImagePlanTests
{
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
            h->loadflags = 0x81;   /* LOADED_HIGH | CAN_USE_HEAP, as a bzImage says */
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
            printf("type_of_loader %u\nloadflags %u\n", p.hdr.type_of_loader, p.hdr.loadflags);
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
        Assert.Equal("208", fields["type_of_loader"][0]);              // 0xD0: boot.rst's loader ID 0xD, kexec
        Assert.Equal("0", fields["loadflags"][0]);                     // as the kernel's own file loader: no QUIET_FLAG, no heap
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

}
