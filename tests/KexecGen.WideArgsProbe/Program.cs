using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using KexecGen.WideArgsProbe.Calls;

// Runs the generated stubs of pwrite64, pread64, fallocate and sync_file_range beyond 4 GiB of the sparse file named
// by the first argument, and prints "ok <ABI>" when each answered as the kernel should; else what failed, exit 1.
if (args.Length != 2) return 2;
var marker = Encoding.ASCII.GetBytes(args[1]);
using var file = File.OpenHandle(args[0], FileMode.Create, FileAccess.ReadWrite);
int fd = (int)file.DangerousGetHandle();
const long writeAt = (5L << 30) + 0x123, allocateAt = 7L << 30;

unsafe
{
    fixed (byte* source = marker)
    {
        if (Syscalls.Pwrite64((uint)fd, source, (nuint)marker.Length, writeAt) != marker.Length) return Fail("pwrite64");
    }
    var read = new byte[marker.Length];
    fixed (byte* target = read)
    {
        if (Syscalls.Pread64((uint)fd, target, (nuint)read.Length, writeAt) != read.Length || !read.AsSpan().SequenceEqual(marker)) return Fail("pread64");
    }
}
if (Syscalls.Fallocate(fd, 0, allocateAt, 4096) != 0) return Fail("fallocate");
if (RandomAccess.GetLength(file) != allocateAt + 4096) return Fail("the length after fallocate");
const uint write = 2; // SYNC_FILE_RANGE_WRITE
if (Syscalls.SyncFileRange(fd, 4L << 30, 4096, write) != 0) return Fail("sync_file_range");
// An offset whose high half makes it negative: only a stub that passes that half is refused.
if (Syscalls.SyncFileRange(fd, unchecked((long)0xffffffff00000000UL), 4096, write) != -1 || Marshal.GetLastPInvokeError() != Errno.EINVAL) return Fail("sync_file_range of a negative offset");
Console.WriteLine($"ok {RuntimeInformation.ProcessArchitecture} pread64={SyscallNumbers.Pread64} sync_file_range={SyscallNumbers.SyncFileRange}");
return 0;

static int Fail(string what)
{
    Console.WriteLine($"FAIL {what}: errno {Marshal.GetLastPInvokeError()}");
    return 1;
}
