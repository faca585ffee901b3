using System;
using System.IO;
using KexecGen.Boot;
using KexecGen.Boot.Arm64;
using KexecGen.Boot.Fdt;
using KexecGen.Boot.X86;
using KexecGen.Cli;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>The one command-line value: checked where it is made, passed byte for byte to every loader.</summary>
public class KernelCommandLineTests
{
    [Fact]
    public void Nul_IsRefused_FromTextAndFromBytes_AndByAppend()
    {
        Assert.Contains("NUL", Assert.Throws<ArgumentException>(() => KernelCommandLine.FromString("root=/dev/sda\0init=/bin/sh")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => KernelCommandLine.FromBytes("a\0b"u8));
        Assert.Throws<ArgumentException>(() => KernelCommandLine.FromString("quiet").Append("x\0"));
    }

    [Fact]
    public void Bytes_ThatAreNotUtf8_ArePassedAsTheyAre()
    {
        var line = KernelCommandLine.FromBytes(new byte[] { (byte)'a', 0xff, (byte)'b' });

        Assert.Equal(new byte[] { (byte)'a', 0xff, (byte)'b' }, line.Bytes.ToArray());
        Assert.Equal(new byte[] { (byte)'a', 0xff, (byte)'b', 0 }, line.WithNul.ToArray());
        Assert.Equal(3, line.Length);
    }

    [Fact]
    public void Text_IsUtf8_AndAppendPutsOneSpaceBetween()
    {
        var line = KernelCommandLine.FromString("é=1");
        Assert.Equal(4, line.Length); // é is two bytes in UTF-8

        Assert.Equal("é=1 elfcorehdr=0x1000", line.Append("elfcorehdr=0x1000").ToString());
        Assert.Equal("elfcorehdr=0x1000", KernelCommandLine.FromString("").Append("elfcorehdr=0x1000").ToString());
        Assert.Equal(KernelCommandLine.FromString("a b"), KernelCommandLine.FromBytes("a b"u8));
        Assert.NotEqual(KernelCommandLine.FromString("a b"), KernelCommandLine.FromString("a  b"));
    }

    [Fact]
    public void EncodeInto_WritesTheNul_OrSaysItDoesNotFit()
    {
        Span<byte> buffer = stackalloc byte[8];
        Assert.Equal(6, KernelCommandLine.EncodeInto("quiet", buffer));
        Assert.Equal("quiet\0"u8.ToArray(), buffer[..6].ToArray());
        Assert.Equal(-1, KernelCommandLine.EncodeInto("too long for it", buffer));
        Assert.Throws<ArgumentException>(() => KernelCommandLine.EncodeInto("a\0", new byte[8]));
    }

    [Fact]
    public void EveryLoader_PutsTheSameBytes_WhereItsProtocolSays()
    {
        var line = KernelCommandLine.FromBytes(new byte[] { (byte)'x', 0xfe, (byte)'=', (byte)'1' });
        var machine = new MachineDescription(new[] { new MemoryRange(0x100000, 0x80000000, MemoryMap.SystemRam) }, 4096, new byte[Chosen.EntropyBytes]);

        var bz = BzImage.Plan(BzImagePlanTests.BzImageFixture(4096), null, line, machine);
        var bzLine = Assert.Single(bz.Segments, s => s.Contents == "command line").Segment.Buffer.ToArray();
        Assert.Equal(line.WithNul.ToArray(), bzLine);

        var arm = Arm64Image.Plan(Arm64ImageTests.FakeImage(0, 2 << 20, 4096), null, line, machine with { Firmware = [new DeviceTreeFirmware(DeviceTreeTests.Dtc("-I", "dts", "-O", "dtb", DeviceTreeTests.Write("/dts-v1/; / { };"u8.ToArray(), ".dts")))] });
        var tree = DeviceTree.Parse(Assert.Single(arm.Segments, s => s.Contents == "device tree").Segment.Buffer.Span);
        Assert.Equal(line.WithNul.ToArray(), tree.Root.Child("chosen")!.Property("bootargs")!.Value);
    }

    [Fact]
    public void TheCli_WritesItsError_ToTheWriterItIsGiven()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var options = new LoadOptions { Load = true, Syscall = SyscallChoice.Segments, KernelPath = "/nonexistent/kexecgen-kernel"u8.ToArray(), DryRun = true };

        int code = LoadCommand.Run(options, output, error);

        Assert.Equal(1, code);
        Assert.StartsWith("kexec: ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("/nonexistent/kexecgen-kernel", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }
}
