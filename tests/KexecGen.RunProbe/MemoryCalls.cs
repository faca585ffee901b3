using System;
using System.IO;
using System.Linq;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.FileFlags;
using static KexecGen.RunProbe.Calls.MemoryFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Mappings of this process's own memory, anonymous and of a file below the work folder.</summary>
internal static unsafe class MemoryCalls
{
    /// <summary>The calls.</summary>
    public static void Run(string work)
    {
        ulong page = (ulong)Environment.SystemPageSize;
        nint mapped = Mmap(0, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ulong.MaxValue /* fd -1 */, 0);
        Check("mmap", mapped > 0 && (ulong)mapped % page == 0, $"mmap answered {mapped:x}");
        var bytes = (byte*)mapped;
        bytes[0] = 0x5a;
        bytes[page] = 0xa5;
        Fails("mmap", Mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, ulong.MaxValue, 0), Errno.EINVAL, "mmap of length 0");

        var resident = stackalloc byte[2];
        Check("mincore", Mincore((ulong)mapped, 2 * page, resident) == 0 && (resident[0] & 1) == 1 && (resident[1] & 1) == 1, "mincore: the written pages are not resident");
        Check("mprotect", Mprotect((ulong)mapped, page, PROT_READ) == 0 && Protection(mapped) == "r--p", $"mprotect PROT_READ: /proc/self/maps says {Protection(mapped)}");
        Check("mprotect", Mprotect((ulong)mapped, page, PROT_READ | PROT_WRITE) == 0 && Protection(mapped) == "rw-p", "mprotect back to read-write");
        Fails("mprotect", Mprotect((ulong)mapped + 1, page, PROT_READ), Errno.EINVAL, "mprotect of an unaligned address");
        Check("mlock", Mlock((ulong)mapped, page) == 0, "mlock");
        Check("munlock", Munlock((ulong)mapped, page) == 0, "munlock");
        Fails("mlock", Mlock(0, page), Errno.ENOMEM, "mlock of page 0, which is not mapped");
        Fails("munlock", Munlock(0, page), Errno.ENOMEM, "munlock of page 0, which is not mapped");
        Check("madvise", Madvise((ulong)mapped, page, MADV_WILLNEED) == 0, "madvise WILLNEED");
        Fails("madvise", Madvise((ulong)mapped + 1, page, MADV_WILLNEED), Errno.EINVAL, "madvise of an unaligned address");

        nint moved = Mremap((ulong)mapped, 2 * page, 8 * page, MREMAP_MAYMOVE, 0);
        Check("mremap", moved > 0 && ((byte*)moved)[0] == 0x5a && ((byte*)moved)[page] == 0xa5, $"mremap to 8 pages answered {moved:x}, or lost the bytes");
        ((byte*)moved)[7 * page] = 1;
        Fails("mremap", Mremap((ulong)moved + 1, page, page, 0, 0), Errno.EINVAL, "mremap of an unaligned address");
        Check("munmap", Munmap((ulong)moved, 8 * page) == 0, "munmap");
        Fails("mincore", Mincore((ulong)moved, page, resident), Errno.ENOMEM, "mincore of an unmapped page");
        Fails("munmap", Munmap((ulong)moved + 1, page), Errno.EINVAL, "munmap of an unaligned address");

        // A shared mapping of a file: what is written to memory is what msync puts in the file.
        var path = Path.Combine(work, "mapped.bin");
        File.WriteAllBytes(path, new byte[page]);
        int fd = (int)Openat(AT_FDCWD, Z(path), O_RDWR | O_CLOEXEC, 0);
        nint shared = Mmap(0, page, PROT_READ | PROT_WRITE, MAP_SHARED, (ulong)fd, 0);
        Check("mmap", shared > 0, $"mmap of a file answered {shared}");
        "mapped by the run probe"u8.CopyTo(new Span<byte>((void*)shared, (int)page));
        Check("msync", Msync((ulong)shared, page, MS_SYNC) == 0, "msync MS_SYNC");
        Fails("msync", Msync((ulong)shared + 1, page, MS_SYNC), Errno.EINVAL, "msync of an unaligned address");
        Check("msync", File.ReadAllBytes(path).AsSpan().StartsWith("mapped by the run probe"u8), "the file does not hold what was written to its mapping");
        Check("madvise", Madvise((ulong)shared, page, MADV_DONTNEED) == 0 && ((byte*)shared)[0] == (byte)'m', "a shared file page after MADV_DONTNEED is the file's");
        Check("munmap", Munmap((ulong)shared, page) == 0, "munmap of the file");
        Close((uint)fd);

        // brk(0) answers the current break without moving it.
        nint brk = Brk(0);
        Check("brk", brk > 0 && Brk(0) == brk, $"brk(0) answered {brk:x}");
    }

    // The protection of the mapping at address, as /proc/self/maps shows it (qemu-user shows the guest's own).
    private static string Protection(nint address) =>
        File.ReadAllLines("/proc/self/maps").Select(l => l.Split(' ')).Where(f =>
        {
            var range = f[0].Split('-');
            ulong start = Convert.ToUInt64(range[0], 16), end = Convert.ToUInt64(range[1], 16);
            return (ulong)address >= start && (ulong)address < end;
        }).Select(f => f[1]).FirstOrDefault() ?? "unmapped";
}
