using System;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;
using KexecGen.Boot.X86;

namespace KexecGen.Tests;

/// <summary>
/// The command-line limit an x86 bzImage states in its setup header, refused before the syscall. The images are
/// written by a C program through the x86_64 uapi struct boot_params, so the layout comes from the kernel's header,
/// not from the code under test: a wrong offset there reads the wrong bytes and these tests fail.
/// </summary>
[Collection(DescriptorCounting.Name)]
public class BzImageTests
{
    private const string Writer = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <asm/bootparam.h>

        /* writer FILE VERSION CMDLINE_SIZE: a zeroed boot_params whose setup header says HdrS, VERSION, CMDLINE_SIZE. */
        int main(int argc, char **argv)
        {
            static struct boot_params image;
            if (argc != 4) return 2;
            memcpy(&image.hdr.header, "HdrS", 4);
            image.hdr.version = (__u16)strtoul(argv[2], NULL, 0);
            image.hdr.cmdline_size = (__u32)strtoul(argv[3], NULL, 0);
            FILE *f = fopen(argv[1], "wb");
            if (!f || fwrite(&image, sizeof image, 1, f) != 1 || fclose(f)) return 1;
            return 0;
        }
        """;

    private static readonly Lazy<string> WriterProgram = new(() => Boot.HostC.Compile("bzimage-writer", Writer));

    // What the kernel's bzImage loader adds to cmdline_len before comparing with cmdline_size: MAX_ELFCOREHDR_STR_LEN
    // in arch/x86/kernel/kexec-bzimage64.c ("elfcorehdr=0x<64bit-value> ").
    private const int KernelReserve = 30;

    // Nothing is read before the syscall: a line over the limit reaches the kernel too (which answers ENOSYS here;
    // one with kexec answers EINVAL, and then the line is named: the theory below, and the QEMU test).
    [Fact]
    public void CommandLine_ReachesTheKernel_WhateverItsLength()
    {
        var image = WriteBzImage(version: 0x020F, commandLineSize: 100 + KernelReserve);

        Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile(image, null, new string('x', 99)));
        Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile(image, null, new string('x', 100)));
    }

    [Fact]
    public void FailedLoads_LeaveNoDescriptorOpen()
    {
        var image = WriteBzImage(version: 0x020F, commandLineSize: 100 + KernelReserve);
        Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile(image, null, new string('x', 200))); // whatever the runtime opens once
        var before = Directory.GetFiles("/proc/self/fd").Length;

        for (int i = 0; i < 20; i++) Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile(image, null, new string('x', 200)));
        using (var handle = File.OpenHandle(image))
        {
            for (int i = 0; i < 20; i++) Assert.NotNull(Kexec.CommandLineRefusal(handle, KexecGen.Boot.KernelCommandLine.FromString(new string('x', 200)).WithNul.Length, KexecGen.Interop.Errno.EINVAL));
        }

        Assert.True(Directory.GetFiles("/proc/self/fd").Length <= before, "descriptors leaked on the failure path");
    }

    [Fact]
    public void Limit_CountsUtf8Bytes_NotCharacters()
    {
        var image = WriteBzImage(version: 0x020F, commandLineSize: 100 + KernelReserve);
        using var handle = File.OpenHandle(image);

        // 50 characters, 100 bytes, 101 with the NUL.
        var refused = Kexec.CommandLineRefusal(handle, KexecGen.Boot.KernelCommandLine.FromString(new string('é', 50)).WithNul.Length, KexecGen.Interop.Errno.EINVAL);
        Assert.NotNull(refused);
        Assert.Contains("101 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImagesThatStateNoLimit_LeaveTheLengthToTheKernel()
    {
        // Boot protocol 2.05 has no cmdline_size field; /bin/true is no bzImage at all.
        var protocol205 = WriteBzImage(version: 0x0205, commandLineSize: 100);
        Assert.Null(BzImage.CommandLineLimit(File.ReadAllBytes(protocol205)));
        Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile(protocol205, null, new string('x', 300)));
        using (var handle = File.OpenHandle(protocol205)) Assert.Null(Kexec.CommandLineRefusal(handle, KexecGen.Boot.KernelCommandLine.FromString(new string('x', 300)).WithNul.Length, KexecGen.Interop.Errno.EINVAL));
        Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile("/bin/true", null, new string('x', 8192)));
    }

    [Fact]
    public void LimitRead_FromTheFile_EqualsTheLimitRead_FromItsBytes_AndKeepsTheFileOffset()
    {
        var path = WriteBzImage(version: 0x020F, commandLineSize: 2047);
        using var handle = File.OpenHandle(path);

        Assert.Equal(2047 - KernelReserve, BzImage.CommandLineLimit(handle));
        Assert.Equal(BzImage.CommandLineLimit(File.ReadAllBytes(path)), BzImage.CommandLineLimit(handle));
        Assert.Null(BzImage.CommandLineLimit(File.ReadAllBytes(path).AsSpan(0, BzImage.HeaderBytes - 1)));
    }

    // The setup header is read only once the kernel has answered EINVAL (the success path is one syscall); then a
    // command line over the limit is named as the reason. The QEMU test sees a real kernel answer it.
    [Theory]
    [InlineData(150, "EINVAL", true)]
    [InlineData(99, "EINVAL", false)] // fits (with its NUL): the EINVAL is the kernel's for another reason
    [InlineData(150, "ENOSYS", false)] // no kexec_file_load: the length is not what was refused
    public void TooLongCommandLine_IsNamed_OnlyWhenTheKernelAnswersEinval(int characters, string errno, bool named)
    {
        var image = WriteBzImage(version: 0x020F, commandLineSize: 100 + KernelReserve);
        using var handle = File.OpenHandle(image);
        int number = errno == "EINVAL" ? KexecGen.Interop.Errno.EINVAL : KexecGen.Interop.Errno.ENOSYS;

        var refusal = Kexec.CommandLineRefusal(handle, KexecGen.Boot.KernelCommandLine.FromString(new string('x', characters)).WithNul.Length, number);

        if (!named)
        {
            Assert.Null(refusal);
            return;
        }
        Assert.NotNull(refusal);
        Assert.Contains("151 bytes with its NUL", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("at most 100", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("refused it with EINVAL", refusal.Message, StringComparison.Ordinal);
    }

    private static string WriteBzImage(int version, int commandLineSize)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-bzimage-{Guid.NewGuid():N}");
        var (code, _, err) = ProcessRunner.Run(WriterProgram.Value, TimeSpan.FromSeconds(30), path,
            version.ToString(CultureInfo.InvariantCulture), commandLineSize.ToString(CultureInfo.InvariantCulture));
        Assert.True(code == 0, err);
        return path;
    }
}
