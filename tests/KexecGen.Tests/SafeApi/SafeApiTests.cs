using System;
using System.IO;
using System.Linq;
using KexecGen.Interop;
using KexecGen.Tests.Qemu;
using Xunit;
using KexecGen.Boot;
using KexecGen.Boot.Elf;

namespace KexecGen.Tests;

/// <summary>The safe API on this machine, whose kernel has no kexec: validation, errors, handles, allocation.</summary>
[Collection(DescriptorCounting.Name)]
public class SafeApiTests
{
    private static readonly ulong Page = (ulong)Environment.SystemPageSize;

    private static KexecSegmentSource Segment(ulong destination, int bytes = 16, ulong? size = null) =>
        new(new byte[bytes], destination, size ?? Page);

    [Fact]
    public void LoadFile_OnAKernelWithoutKexec_ThrowsNotSupported_WithErrnoAndMeaning()
    {
        var e = Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile("/bin/true", null, "console=ttyS0"));

        Assert.Equal("kexec_file_load", e.Syscall);
        Assert.Equal(Errno.ENOSYS, e.Errno);
        Assert.Equal("ENOSYS", e.ErrnoName);
        Assert.Contains("CONFIG_KEXEC_FILE", e.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadImage_MapsPlansAndReachesKexecLoad()
    {
        // As root, /proc/iomem has real addresses and the bzImage is planned; this kernel then answers ENOSYS.
        var kernel = Path.Combine(Path.GetTempPath(), $"kexecgen-bz-{Guid.NewGuid():N}");
        File.WriteAllBytes(kernel, Boot.BzImagePlanTests.BzImageFixture(64 * 1024));

        var e = Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadImage(kernel, "/bin/sh", "console=ttyS0"));
        Assert.Equal("kexec_load", e.Syscall);
        Assert.Throws<FormatException>(() => Kexec.LoadImage("/bin/sh")); // a shared object is no kernel: refused first
    }

    [Theory]
    [InlineData("reboot", "EINVAL", "no kernel is loaded", "segment")]
    [InlineData("kexec_load", "EINVAL", "segment's alignment", "command line")]
    [InlineData("kexec_file_load", "EINVAL", "command line", "segment")]
    [InlineData("kexec_load", "ENOSYS", "CONFIG_KEXEC)", "CONFIG_KEXEC_FILE")]
    [InlineData("reboot", "EBUSY", "resource busy", "another kernel is being loaded")]
    public void EachErrno_IsExplainedForTheSyscallItCameFrom(string syscall, string errno, string says, string doesNotSay)
    {
        int number = (int)typeof(Errno).GetField(errno)!.GetValue(null)!;

        var e = KexecException.For(syscall, number);

        Assert.Equal(errno, e.ErrnoName);
        Assert.Contains(says, e.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain(doesNotSay, e.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_LeavesTheCallersHandlesOpen_AndClosesItsOwn()
    {
        using var kernel = File.OpenHandle("/bin/true");
        Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile(kernel, null, "x", crash: false));
        Assert.False(kernel.IsClosed);

        var before = Directory.GetFiles("/proc/self/fd").Length;
        for (int i = 0; i < 20; i++) Assert.Throws<KexecNotSupportedException>(() => Kexec.LoadFile("/bin/true", "/bin/true", "x"));
        Assert.True(Directory.GetFiles("/proc/self/fd").Length < before + 5, "descriptors leak on the error path");
    }

    [Fact]
    public void LoadFile_AllocatesNothing_ForA4KiBCommandLine()
    {
        using var kernel = File.OpenHandle("/bin/true");
        var line = new string('x', Kexec.StackCommandLineBytes);
        Kexec.TryLoadFile(kernel, null, line, crash: false); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        int errno = Kexec.TryLoadFile(kernel, null, line, crash: false);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Errno.ENOSYS, errno);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Load_ChecksSegmentsBeforeTheSyscall()
    {
        Assert.Contains("at most KEXEC_SEGMENT_MAX", Assert.Throws<ArgumentException>(() =>
            Kexec.Load(0, Enumerable.Range(0, KexecConstants.KEXEC_SEGMENT_MAX + 1).Select(i => Segment((ulong)i * Page)).ToArray())).Message, StringComparison.Ordinal);
        Assert.Contains("not page-aligned", Assert.Throws<ArgumentException>(() => Kexec.Load(0, new[] { Segment(Page + 8) })).Message, StringComparison.Ordinal);
        Assert.Contains("do not fit", Assert.Throws<ArgumentException>(() => Kexec.Load(0, new[] { Segment(0, (int)Page + 1) })).Message, StringComparison.Ordinal);
        Assert.Contains("overlap", Assert.Throws<ArgumentException>(() => Kexec.Load(0, new[] { Segment(0, size: 2 * Page), Segment(Page) })).Message, StringComparison.Ordinal);
        Assert.Contains("whole number of pages", Assert.Throws<ArgumentException>(() => Kexec.Load(0, new[] { Segment(0, size: Page + 1) })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithValidSegments_ReachesTheKernel()
    {
        var e = Assert.Throws<KexecNotSupportedException>(() => Kexec.Load(0x1000000, new[] { Segment(0x1000000), Segment(0x1000000 + Page) }));
        Assert.Equal("kexec_load", e.Syscall);
    }

    [Fact]
    public void Unload_FallsBackToKexecLoad_AndReportsIt()
    {
        var e = Assert.Throws<KexecNotSupportedException>(() => Kexec.Unload());
        Assert.Equal("kexec_load", e.Syscall); // kexec_file_load said ENOSYS first
    }

    [Theory]
    [InlineData("EPERM", typeof(KexecPermissionException), "CAP_SYS_BOOT")]
    [InlineData("EBUSY", typeof(KexecBusyException), "being loaded")]
    [InlineData("EKEYREJECTED", typeof(KexecSignatureException), "signature")]
    [InlineData("ENOKEY", typeof(KexecSignatureException), "signed")]
    [InlineData("EBADMSG", typeof(KexecSignatureException), "signature")]
    [InlineData("ENOEXEC", typeof(KexecImageException), "cannot load this image")]
    [InlineData("EINVAL", typeof(KexecException), "refused")]
    [InlineData("ENOMEM", typeof(KexecException), "crashkernel=")]
    public void EveryKexecErrno_HasItsTypeAndMeaning(string name, Type type, string meaning)
    {
        // Errno members are constants where every ABI agrees and properties where they differ.
        var property = typeof(Errno).GetProperty(name);
        int errno = (int)(property is not null ? property.GetValue(null) : typeof(Errno).GetField(name)!.GetValue(null))!;

        var e = KexecException.For("kexec_file_load", errno);

        Assert.IsType(type, e);
        Assert.Equal(name, e.ErrnoName);
        Assert.Contains(meaning, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ElfImage_PlacesEachLoadSegmentAtItsPhysicalAddress()
    {
        var image = ElfImage.Parse(SerialPayload.Elf("hello", 1), Page);

        Assert.Equal(SerialPayload.LoadAddress, image.Entry);
        var segment = Assert.Single(image.Segments);
        Assert.Equal(SerialPayload.LoadAddress, segment.Destination);
        Assert.Equal(Page, segment.MemorySize);
        Assert.Equal(0x66, segment.Buffer.Span[0]); // the payload's first instruction byte
    }

    [Fact]
    public void BadFilesAndCommandLines_AreRefusedBeforeTheSyscall_WithoutLeakingDescriptors()
    {
        var before = Directory.GetFiles("/proc/self/fd").Length;

        Assert.Contains("NUL", Assert.Throws<ArgumentException>(() => Kexec.LoadFile("/bin/true", null, "root=/dev/sda1\0init=/bin/sh")).Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => Kexec.LoadFile("/bin/no-such-kernel"));
        Assert.Throws<UnauthorizedAccessException>(() => Kexec.LoadFile("/tmp"));
        Assert.Throws<FileNotFoundException>(() => Kexec.LoadFile("/bin/true", "/bin/no-such-initrd"));
        var closed = File.OpenHandle("/bin/true");
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Kexec.LoadFile(closed, null, (string?)null, crash: false));

        Assert.True(Directory.GetFiles("/proc/self/fd").Length <= before + 2, "descriptors leaked on the error paths");
    }

    [Fact]
    public void Status_IsFalse_WhereNothingIsLoaded()
    {
        Assert.False(Kexec.IsLoaded);
        Assert.False(Kexec.IsCrashLoaded);
    }
}
