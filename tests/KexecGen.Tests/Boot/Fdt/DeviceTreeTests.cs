using System;
using System.IO;
using System.Text;
using Xunit;
using KexecGen.Boot.Fdt;

namespace KexecGen.Tests.Boot;

/// <summary>
/// The flattened device tree reader and writer, held to dtc (Debian's device-tree-compiler): what dtc compiles we read
/// and write back to a blob that dtc decompiles to the same source; what we write, fdtget and fdtdump read.
/// </summary>
public class DeviceTreeTests
{
    private const string Source = """
        /dts-v1/;
        /memreserve/ 0x48000000 0x100000;
        / {
            #address-cells = <2>;
            #size-cells = <2>;
            model = "kexecgen,test";
            compatible = "kexecgen,board", "linux,dummy-virt";
            empty;
            memory@40000000 {
                device_type = "memory";
                reg = <0x0 0x40000000 0x0 0x40000000>;
            };
            chosen {
                bootargs = "console=ttyAMA0 old";
                linux,initrd-start = <0x0 0x48000000>;
                linux,initrd-end = <0x0 0x48100000>;
                linux,elfcorehdr = <0x0 0x50000000 0x0 0x1000>;
                linux,usable-memory-range = <0x0 0x50000000 0x0 0x10000000>;
                bytes = [01 02 03];
                deep { deeper { deepest { value = <0xdeadbeef>; }; }; };
            };
        };
        """;

    [Fact]
    public void WhatDtcCompiles_IsWrittenBack_ToWhatDtcDecompilesAlike()
    {
        var blob = Dtc("-I", "dts", "-O", "dtb", Write(Encoding.UTF8.GetBytes(Source), ".dts"));
        var tree = DeviceTree.Parse(blob);
        var again = tree.ToArray();

        Assert.Equal(Decompile(blob), Decompile(again));
        Assert.Equal("console=ttyAMA0 old", tree.Find("/chosen")!.GetString("bootargs"));
        Assert.Equal(0x48000000UL, tree.Find("/chosen")!.GetNumber("linux,initrd-start"));
        Assert.Equal(new MemoryReservation(0x48000000, 0x100000), Assert.Single(tree.Reservations));
    }

    [Fact]
    public void QemusOwnBoardTree_RoundTrips()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-virt-{Guid.NewGuid():N}.dtb");
        var (code, _, err) = ProcessRunner.Run("qemu-system-aarch64", TimeSpan.FromMinutes(1), "-M", $"virt,dumpdtb={path}", "-cpu", "cortex-a57", "-m", "1024", "-nographic", "-nodefaults");
        Assert.True(code == 0, err);
        var blob = File.ReadAllBytes(path);

        Assert.Equal(Decompile(blob), Decompile(DeviceTree.Parse(blob).ToArray()));
    }

    [Fact]
    public void Edits_AreWhatFdtgetReads()
    {
        var tree = DeviceTree.Parse(Dtc("-I", "dts", "-O", "dtb", Write(Encoding.UTF8.GetBytes(Source), ".dts")));
        var chosen = tree.Find("/chosen")!;
        chosen.SetString("bootargs", "console=ttyAMA0 new");
        chosen.SetUInt64("linux,initrd-start", 0x1_2345_6000);
        chosen.Remove("linux,elfcorehdr");
        tree.Root.GetOrAddChild("added").SetString("name-of-it", "here");
        var blob = Write(tree.ToArray(), ".dtb");

        Assert.Equal("console=ttyAMA0 new", Fdtget("-t", "s", blob, "/chosen", "bootargs"));
        Assert.Equal("1 23456000", Fdtget("-t", "x", blob, "/chosen", "linux,initrd-start"));
        Assert.Equal("here", Fdtget("-t", "s", blob, "/added", "name-of-it"));
        var (code, _, err) = ProcessRunner.Run("fdtget", TimeSpan.FromMinutes(1), blob, "/chosen", "linux,elfcorehdr");
        Assert.NotEqual(0, code);
        Assert.Contains("FDT_ERR_NOTFOUND", err, StringComparison.Ordinal);
        var (dump, dumped, dumpErr) = ProcessRunner.Run("fdtdump", TimeSpan.FromMinutes(1), blob);
        Assert.True(dump == 0, dumpErr);
        Assert.Contains("// magic:\t\t0xd00dfeed", dumped, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 0xffff_fff0u, "totalsize is 4294967280 bytes but the blob has only")] // a 4 GiB claim: refused, not allocated
    [InlineData(0, 0xfeedd00du, "not a device tree blob")]
    [InlineData(6, 99u, "compatible with 99")]
    [InlineData(2, 0x7fff_0000u, "structure block")]
    public void MalformedHeaders_AreRefusedWithTheReason(int field, uint value, string reason)
    {
        var blob = Dtc("-I", "dts", "-O", "dtb", Write(Encoding.UTF8.GetBytes(Source), ".dts"));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(field * 4), value);

        var e = Assert.Throws<FormatException>(() => DeviceTree.Parse(blob));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    internal static byte[] Dtc(params string[] args)
    {
        var output = Path.Combine(Path.GetTempPath(), $"kexecgen-dtc-{Guid.NewGuid():N}");
        var (code, _, err) = ProcessRunner.Run("dtc", TimeSpan.FromMinutes(1), [.. args[..^1], "-o", output, args[^1]]);
        Assert.True(code == 0, $"dtc failed (device-tree-compiler; .ci/run installs it): {err}");
        return File.ReadAllBytes(output);
    }

    internal static string Fdtget(params string[] args)
    {
        var (code, stdout, err) = ProcessRunner.Run("fdtget", TimeSpan.FromMinutes(1), args);
        Assert.True(code == 0, $"fdtget {string.Join(' ', args)} failed: {err}");
        return stdout.Trim();
    }

    private static string Decompile(byte[] blob) => Encoding.UTF8.GetString(Dtc("-I", "dtb", "-O", "dts", Write(blob, ".dtb")));

    internal static string Write(byte[] bytes, string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
