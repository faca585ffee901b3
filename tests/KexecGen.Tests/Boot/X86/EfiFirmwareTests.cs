using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using KexecGen.Boot;
using KexecGen.Boot.X86;
using Xunit;
using static KexecGen.Tests.Boot.PlanChecks;

namespace KexecGen.Tests.Boot;

/// <summary>/sys/firmware/efi as the x86 loader reads it, and what it does with it today: ACPI's RSDP for a kernel booted by the EFI stub.</summary>
public class EfiFirmwareTests
{
    // /sys/firmware/efi/systab of an OVMF guest, as drivers/firmware/efi writes it.
    private const string Systab = "ACPI20=0x7f77e014\nACPI=0x7f77e000\nSMBIOS=0x7f58d000\nSMBIOS3=0x7f58b000\n";

    [Fact]
    public void SystemTable_GivesTheAcpi20Rsdp_AndSmbios()
    {
        var tables = EfiSysfs.ParseSystemTable(Systab, "systab");
        var efi = new EfiFirmware(1, 2, 3, tables, ImmutableArray<EfiRuntimeRegion>.Empty);

        Assert.Equal(0x7f77e014UL, efi.AcpiRsdp);
        Assert.Equal(0x7f58d000UL, efi.Smbios);
        Assert.Equal(0x7f77e000UL, new EfiFirmware(1, 2, 3, tables.Remove("ACPI20"), ImmutableArray<EfiRuntimeRegion>.Empty).AcpiRsdp);
        Assert.Null(new EfiFirmware(1, 2, 3, ImmutableDictionary<string, ulong>.Empty, ImmutableArray<EfiRuntimeRegion>.Empty).AcpiRsdp);
    }

    [Theory]
    [InlineData("ACPI20\n", "line 1: expected NAME=ADDRESS")]
    [InlineData("ACPI20=0x1\nSMBIOS=0xzz\n", "line 2: the value '0xzz' is not a hexadecimal address")]
    public void SystemTable_Malformed_SaysWhichLine(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => EfiSysfs.ParseSystemTable(text, "/sys/firmware/efi/systab"));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("/sys/firmware/efi/systab", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuntimeRegion_IsReadFromItsFiveFiles()
    {
        var files = new System.Collections.Generic.Dictionary<string, string>
        {
            ["type"] = "0x5\n", ["phys_addr"] = "0x7e8f0000\n", ["virt_addr"] = "0xfffffffeee8f0000\n", ["num_pages"] = "0x20\n", ["attribute"] = "0x800000000000000f\n",
        };

        var region = EfiSysfs.ParseRegion(name => files[name], "runtime-map/0");

        Assert.Equal(new EfiRuntimeRegion(5, 0x7e8f0000, 0xfffffffeee8f0000, 0x20, 0x800000000000000f), region);
        files["num_pages"] = "0x10000000000000\n";
        Assert.Contains("past the end of the address space", Assert.Throws<FormatException>(() => EfiSysfs.ParseRegion(name => files[name], "runtime-map/0")).Message, StringComparison.Ordinal);
        files["num_pages"] = "0x20\n";
        files["type"] = "0x100000000\n";
        Assert.Contains("runtime-map/0/type", Assert.Throws<FormatException>(() => EfiSysfs.ParseRegion(name => files[name], "runtime-map/0")).Message, StringComparison.Ordinal);
    }

    // Reads a plan's boot_params and setup_data segment through the uapi structs (asm/bootparam.h, asm/setup_data.h)
    // and the kernel's own description of struct efi_setup_data and efi_memory_desc_t (not uapi: written out here).
    private const string SetupDataReader = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <asm/bootparam.h>

        struct efi_setup_data { __u64 fw_vendor, runtime, tables, smbios, reserved[8]; };
        typedef struct { __u32 type, pad; __u64 phys_addr, virt_addr, num_pages, attribute; } efi_memory_desc_t;

        /* reader BOOT_PARAMS SEGMENT BASE: efi_info, secure_boot and the setup_data chain, one "name value" a line. */
        int main(int argc, char **argv)
        {
            static struct boot_params p;
            static unsigned char seg[1 << 20];
            FILE *f = fopen(argv[1], "rb");
            if (!f || fread(&p, sizeof p, 1, f) != 1) return 1;
            FILE *g = fopen(argv[2], "rb");
            size_t n = g ? fread(seg, 1, sizeof seg, g) : 0;
            unsigned long long base = strtoull(argv[3], NULL, 16);
            struct efi_info *ei = &p.efi_info;
            printf("efi_loader_signature %.4s\n", (char *)&ei->efi_loader_signature);
            printf("efi_systab %llx\n", (unsigned long long)ei->efi_systab | (unsigned long long)ei->efi_systab_hi << 32);
            printf("efi_memdesc_size %u\nefi_memdesc_version %u\n", ei->efi_memdesc_size, ei->efi_memdesc_version);
            printf("efi_memmap_size %u\nsecure_boot %u\ne820_entries %u\n", ei->efi_memmap_size, p.secure_boot, p.e820_entries);
            unsigned long long memmap = (unsigned long long)ei->efi_memmap | (unsigned long long)ei->efi_memmap_hi << 32;
            for (unsigned long long at = p.hdr.setup_data; at; ) {
                if (at < base || at - base + sizeof(struct setup_data) > n) { printf("outside %llx\n", at); return 2; }
                struct setup_data *sd = (struct setup_data *)(seg + (at - base));
                printf("entry %s %u\n", sd->type == SETUP_RNG_SEED ? "SETUP_RNG_SEED" : sd->type == SETUP_EFI ? "SETUP_EFI" : sd->type == SETUP_E820_EXT ? "SETUP_E820_EXT" : "other", sd->len);
                if (sd->type == SETUP_E820_EXT)
                    for (unsigned i = 0; i < sd->len / sizeof(struct boot_e820_entry); i++) {
                        struct boot_e820_entry *e = (struct boot_e820_entry *)sd->data + i;
                        printf("e820_ext %llx %llx %u\n", (unsigned long long)e->addr, (unsigned long long)e->size, e->type);
                    }
                if (sd->type == SETUP_EFI) {
                    struct efi_setup_data *e = (struct efi_setup_data *)sd->data;
                    printf("fw_vendor %llx\nruntime %llx\ntables %llx\nsmbios %llx\n", (unsigned long long)e->fw_vendor,
                        (unsigned long long)e->runtime, (unsigned long long)e->tables, (unsigned long long)e->smbios);
                }
                at = sd->next;
            }
            for (unsigned i = 0; ei->efi_memmap_size && i < ei->efi_memmap_size / ei->efi_memdesc_size; i++) {
                efi_memory_desc_t *d = (efi_memory_desc_t *)(seg + (memmap - base) + i * ei->efi_memdesc_size);
                printf("region %u %llx %llx %llx %llx\n", d->type, (unsigned long long)d->phys_addr, (unsigned long long)d->virt_addr,
                    (unsigned long long)d->num_pages, (unsigned long long)d->attribute);
            }
            return 0;
        }
        """;

    private static readonly Lazy<string> Reader = new(() => HostC.Compile("setup-data-reader", SetupDataReader));

    [Fact]
    public void BzImagePlan_OnAUefiMachine_HandsEfiOver_AsTheUapiStructsReadIt()
    {
        var running = new byte[4096];
        var span = running.AsSpan();
        "EL64"u8.CopyTo(span[0x1c0..]);                                                                        // efi_info.efi_loader_signature
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[0x1c4..], 0x7f9ee018);              // efi_systab
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[0x1c8..], 48);                      // efi_memdesc_size
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[0x1cc..], 1);                       // efi_memdesc_version
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[0x1d4..], 48 * 90);                 // efi_memmap_size
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[0x1d8..], 0x1);                     // efi_systab_hi
        running[0x1ec] = 3;                                                                                     // secure_boot
        var map = ImmutableArray.Create(new EfiRuntimeRegion(5, 0x7e8f0000, 0xfffffffeee8f0000, 0x20, 0x800000000000000f),
                                        new EfiRuntimeRegion(6, 0x7f000000, 0xfffffffeef000000, 0x100, 0x8000000000000001));
        var efi = new EfiFirmware(0x7f9ee3d8, 0x7f9eeb98, 0x7f9ee098, EfiSysfs.ParseSystemTable(Systab, "systab"), map);
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x80000000, MemoryMap.SystemRam) }, Page, Entropy)
        {
            Firmware = [new X86Firmware(running, new[] { new MemoryRange(0, 0x80000000, MemoryMap.SystemRam) }) { Efi = efi }],
        };

        var plan = BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, null, machine);

        var chain = Segment(plan, "setup_data");
        Assert.Contains("SETUP_EFI; the EFI runtime map: 2 regions", Assert.Single(plan.Segments, s => s.Contents.StartsWith("setup_data", StringComparison.Ordinal)).Contents, StringComparison.Ordinal);
        Assert.True(chain.Destination + chain.MemorySize <= 0x100000000UL, "setup_data lies above 4 GiB");
        var lines = ReadSetupData(plan);

        Assert.Equal(new[]
        {
            "efi_loader_signature EL64", "efi_systab 17f9ee018", "efi_memdesc_size 40", "efi_memdesc_version 1", "efi_memmap_size 80", "secure_boot 3", "e820_entries 1",
            "entry SETUP_RNG_SEED 32", "entry SETUP_EFI 96", "fw_vendor 7f9ee3d8", "runtime 7f9eeb98", "tables 7f9ee098", "smbios 7f58d000",
            "region 5 7e8f0000 fffffffeee8f0000 20 800000000000000f", "region 6 7f000000 fffffffeef000000 100 8000000000000001",
        }, lines);
        Assert.Empty(plan.Notes);
        // Without a runtime map the chain holds the seed alone, efi_info stays empty, and the plan says what is lost.
        var noMap = BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, null,
            machine with { Firmware = [new X86Firmware(running, new[] { new MemoryRange(0, 0x80000000, MemoryMap.SystemRam) }) { Efi = efi with { RuntimeMap = ImmutableArray<EfiRuntimeRegion>.Empty } }] });
        Assert.Equal("setup_data (SETUP_RNG_SEED)", Assert.Single(noMap.Segments, s => s.Contents.StartsWith("setup_data", StringComparison.Ordinal)).Contents);
        Assert.Contains("no EFI runtime map", Assert.Single(noMap.Notes), StringComparison.Ordinal);
    }

    [Fact]
    public void BzImagePlan_OfAMemoryMapLongerThanBootParamsHolds_PutsTheRestInSetupE820Ext()
    {
        // 130 ranges of RAM, 1 MiB each 2 MiB apart: 128 in boot_params, 2 in the chain.
        var map = new MemoryRange[130];
        for (int i = 0; i < map.Length; i++) map[i] = new MemoryRange(0x100000UL + (ulong)i * 0x200000, 0x200000UL + (ulong)i * 0x200000, MemoryMap.SystemRam);
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x8000000, MemoryMap.SystemRam) }, Page, Entropy)
        {
            Firmware = [new X86Firmware(null, map)],
        };

        var plan = BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, null, machine);

        var lines = ReadSetupData(plan);
        Assert.Equal(new[]
        {
            "e820_entries 128", "entry SETUP_RNG_SEED 32", "entry SETUP_E820_EXT 40",
            $"e820_ext {map[128].Start:x} 100000 1", $"e820_ext {map[129].Start:x} 100000 1",
        }, lines.Where(l => l.StartsWith("e820", StringComparison.Ordinal) || l.StartsWith("entry", StringComparison.Ordinal)));
        Assert.Contains("SETUP_E820_EXT: 2 more memory map entries", Assert.Single(plan.Segments, s => s.Contents.StartsWith("setup_data", StringComparison.Ordinal)).Contents, StringComparison.Ordinal);
    }

    // The reader's lines for a plan's boot_params and setup_data segment.
    private static string[] ReadSetupData(BootPlan plan)
    {
        var chain = Segment(plan, "setup_data");
        var paramsPath = Path.Combine(Path.GetTempPath(), $"kexecgen-bp-{Guid.NewGuid():N}");
        var chainPath = Path.Combine(Path.GetTempPath(), $"kexecgen-sd-{Guid.NewGuid():N}");
        File.WriteAllBytes(paramsPath, Segment(plan, "boot_params").Buffer.ToArray());
        File.WriteAllBytes(chainPath, chain.Buffer.ToArray());
        var (code, stdout, err) = ProcessRunner.Run(Reader.Value, TimeSpan.FromSeconds(30), paramsPath, chainPath, chain.Destination.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, $"{err}\n{stdout}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Theory]
    [InlineData(0UL, 0x7f77e014UL)]          // the EFI stub left it 0: the ACPI 2.0 RSDP from the configuration table
    [InlineData(0xf5a40UL, 0xf5a40UL)]       // the running kernel knows it: passed on as it is
    public void BzImagePlan_OnAUefiMachine_PassesTheRsdp(ulong runningRsdp, ulong expected)
    {
        var running = new byte[4096];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(running.AsSpan(0x070), runningRsdp); // acpi_rsdp_addr
        var efi = new EfiFirmware(1, 2, 3, EfiSysfs.ParseSystemTable(Systab, "systab"), ImmutableArray<EfiRuntimeRegion>.Empty);
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x80000000, MemoryMap.SystemRam) }, Page, Entropy)
        {
            Firmware = [new X86Firmware(running, new[] { new MemoryRange(0, 0x80000000, MemoryMap.SystemRam) }) { Efi = efi }],
        };

        var plan = BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, null, machine);

        var read = BzImagePlanTests.ReadBootParams(Segment(plan, "boot_params").Buffer.ToArray());
        Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(read["acpi_rsdp_addr"]));
        Assert.Contains("no EFI runtime map", Assert.Single(plan.Notes), StringComparison.Ordinal); // this machine's runtime map is empty
        Assert.Empty(BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, null, machine with { Firmware = [new X86Firmware(running, X86Firmware.None.MemoryMap)] }).Notes);
    }
}
