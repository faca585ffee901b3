using System;
using System.Collections.Immutable;
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

    [Theory]
    [InlineData(0UL, 0x7f77e014UL)]          // the EFI stub left it 0: the ACPI 2.0 RSDP from the configuration table
    [InlineData(0xf5a40UL, 0xf5a40UL)]       // the running kernel knows it: passed on as it is
    public void BzImagePlan_OnAUefiMachine_PassesTheRsdp_AndSaysWhatTheKernelLacks(ulong runningRsdp, ulong expected)
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
        Assert.Contains("booted by UEFI", Assert.Single(plan.Notes), StringComparison.Ordinal);
        Assert.Empty(BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, null, machine with { Firmware = [new X86Firmware(running, X86Firmware.None.MemoryMap)] }).Notes);
    }
}
