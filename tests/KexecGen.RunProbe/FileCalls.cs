using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.EventFlags;
using static KexecGen.RunProbe.Calls.FileFlags;
using static KexecGen.RunProbe.Calls.MemoryFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Files, directories, links, descriptors, pipes and extended attributes, all below the work folder.</summary>
internal static unsafe class FileCalls
{
    private const ushort Mode644 = 0x1a4, Mode600 = 0x180, Mode640 = 0x1a0, Mode755 = 0x1ed;
    private const int ROk = 4; // R_OK, F_OK: unistd.h's, not the uapi's
    private const int FOk = 0;

    /// <summary>The calls; <paramref name="written"/> gets <paramref name="marker"/> at offset 4096.</summary>
    public static void Run(string work, string written, string marker)
    {
        Check("umask", Umask(0x12) >= 0, "umask(022)");
        Check("umask", Umask(0x12) == 0x12, "umask did not answer the mask just set");
        Check("mkdirat", Mkdirat(AT_FDCWD, Z(work), Mode755) == 0, "mkdirat of the work folder");
        Fails("mkdirat", Mkdirat(AT_FDCWD, Z(work), Mode755), Errno.EEXIST, "mkdirat of an existing folder");
        int dir = (int)Openat(AT_FDCWD, Z(work), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        Check("openat", dir >= 0, "openat of the work folder");
        int fd = (int)Openat(dir, Z("data.bin"), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, Mode644);
        Check("openat", fd >= 0, "openat O_CREAT");
        Fails("openat", Openat(dir, Z("data.bin"), O_RDWR | O_CREAT | O_EXCL, Mode644), Errno.EEXIST, "openat O_EXCL of an existing file");

        ReadAndWrite(fd);
        Sizes(dir, fd, Path.Combine(work, "data.bin"));
        Names(dir, fd, work);
        Descriptors(dir, fd);
        Pipes(dir, fd);
        Attributes(fd, Path.Combine(work, "data.bin"), Path.Combine(work, "link"));
        Written(written, marker);

        Check("close", Close((uint)fd) == 0, "close of the data file");
        Fails("close", Close((uint)fd), Errno.EBADF, "close of a closed descriptor");
        Fails("close", Close(unchecked((uint)-1)), Errno.EBADF, "close(-1)");
        Check("close", Close((uint)dir) == 0, "close of the folder");
    }

    private static void ReadAndWrite(int fd)
    {
        var text = "hello from the generated stubs\n"u8.ToArray();
        var buffer = new byte[256];
        fixed (byte* t = text, b = buffer)
        {
            Check("write", Write((uint)fd, t, (ulong)text.Length) == text.Length, "write");
            Check("lseek", Lseek((uint)fd, 0, SEEK_CUR) == text.Length, "lseek SEEK_CUR after write");
            Check("lseek", Lseek((uint)fd, 0, SEEK_SET) == 0, "lseek SEEK_SET");
            Fails("lseek", Lseek((uint)fd, -1, SEEK_SET), Errno.EINVAL, "lseek to -1");
            Check("read", Read((uint)fd, b, 256) == text.Length && buffer.AsSpan(0, text.Length).SequenceEqual(text), "read back what write wrote");
            Check("read", Read((uint)fd, b, 256) == 0, "read at the end of the file");
            Fails("read", Read(unchecked((uint)-1), b, 1), Errno.EBADF, "read of fd -1");
            Check("pread64", Pread64((uint)fd, b, 5, 6) == 5 && Encoding.ASCII.GetString(buffer, 0, 5) == "from ", "pread64 at 6");
            fixed (byte* xy = "XY"u8)
            {
                Check("pwrite64", Pwrite64((uint)fd, xy, 2, 1) == 2, "pwrite64 at 1");
            }
            Check("pwrite64", Pread64((uint)fd, b, 4, 0) == 4 && Encoding.ASCII.GetString(buffer, 0, 4) == "hXYl", "what pwrite64 wrote, read back");
            Check("lseek", Lseek((uint)fd, 0, SEEK_CUR) == text.Length, "pread64 and pwrite64 moved the offset");

            // Vectors: two pieces out, one piece in, at offsets 100 and 200 and at the end.
            var one = "first-"u8.ToArray();
            var two = "second"u8.ToArray();
            fixed (byte* o = one, w = two)
            {
                var vectors = stackalloc IoVector[2];
                vectors[0] = new IoVector { IovBase = (nint)o, IovLen = (ulong)one.Length };
                vectors[1] = new IoVector { IovBase = (nint)w, IovLen = (ulong)two.Length };
                Check("pwritev", Pwritev((ulong)fd, vectors, 2, 100, 0) == 12, "pwritev at 100");
                Check("pwritev", Pwritev((ulong)fd, vectors, 2, 200, 0) == 12, "pwritev at 200");
                Check("lseek", Lseek((uint)fd, 0, SEEK_END) == 212, "lseek SEEK_END after pwritev");
                Check("writev", Writev((ulong)fd, vectors, 2) == 12, "writev at the end");
            }
            var into = stackalloc IoVector[2];
            into[0] = new IoVector { IovBase = (nint)b, IovLen = 6 };
            into[1] = new IoVector { IovBase = (nint)(b + 6), IovLen = 6 };
            buffer.AsSpan().Clear();
            Check("preadv", Preadv((ulong)fd, into, 2, 100, 0) == 12 && Encoding.ASCII.GetString(buffer, 0, 12) == "first-second", "preadv at 100");
            buffer.AsSpan().Clear();
            Check("preadv", Preadv((ulong)fd, into, 2, 200, 0) == 12 && Encoding.ASCII.GetString(buffer, 0, 12) == "first-second", "preadv at 200");
            Fails("preadv", Preadv(unchecked((ulong)-1), into, 2, 200, 0), Errno.EBADF, "preadv of fd -1");
            Check("lseek", Lseek((uint)fd, 212, SEEK_SET) == 212, "lseek to the writev");
            buffer.AsSpan().Clear();
            Check("readv", Readv((ulong)fd, into, 2) == 12 && Encoding.ASCII.GetString(buffer, 0, 12) == "first-second", "readv of what writev wrote");
        }
    }

    private static void Sizes(int dir, int fd, string path)
    {
        FileStatus st = default;
        Check("fstat", Fstat((uint)fd, &st) == 0 && st.StSize == 224 && (st.StMode & S_IFMT) == S_IFREG && (st.StMode & 0x1ff) == Mode644,
            $"fstat: size {st.StSize} (224 written), mode {Convert.ToString(st.StMode, 8)}");
        Check("fstat", st.StIno == Ino(path), "fstat's inode is not stat's");
        Check("ftruncate", Ftruncate((uint)fd, 100_000) == 0 && Fstat((uint)fd, &st) == 0 && st.StSize == 100_000, $"ftruncate to 100000: size {st.StSize}");
        Fails("ftruncate", Ftruncate((uint)fd, -1), Errno.EINVAL, "ftruncate to -1");
        Check("fallocate", Fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20) == 0 && Fstat((uint)fd, &st) == 0 && st.StSize == 100_000 && st.StBlocks * 512 >= 1 << 20,
            $"fallocate KEEP_SIZE of 1 MiB: size {st.StSize}, blocks {st.StBlocks}");
        Check("fallocate", Fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) == 0, "fallocate PUNCH_HOLE");
        var head = new byte[8];
        fixed (byte* h = head)
        {
            Check("fallocate", Pread64((uint)fd, h, 8, 0) == 8 && head.All(x => x == 0), "the punched hole does not read zeros");
        }
        Fails("fallocate", Fallocate(fd, 0, 0, 0), Errno.EINVAL, "fallocate of length 0");
        Check("fsync", Fsync((uint)fd) == 0, "fsync");
        Fails("fsync", Fsync(unchecked((uint)-1)), Errno.EBADF, "fsync(-1)");
        Check("fdatasync", Fdatasync((uint)fd) == 0, "fdatasync");
        Check("sync_file_range", SyncFileRange(fd, 0, 4096, 2 /* SYNC_FILE_RANGE_WRITE */) == 0, "sync_file_range");
        Fails("sync_file_range", SyncFileRange(fd, -1, 4096, 2), Errno.EINVAL, "sync_file_range at -1");
        Check("fadvise64", Fadvise64(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "fadvise64 SEQUENTIAL");
        Fails("fadvise64", Fadvise64(fd, 0, 0, 12345), Errno.EINVAL, "fadvise64 of an unknown advice");
        Check("readahead", Readahead(fd, 0, 65536) == 0, "readahead");
        Fails("readahead", Readahead(dir, 0, 4096), Errno.EINVAL, "readahead of a folder");
        Check("syncfs", Syncfs(fd) == 0, "syncfs");
        Fails("syncfs", Syncfs(-1), Errno.EBADF, "syncfs(-1)");

        Check("truncate", Truncate(Z(path), 5) == 0, "truncate to 5");
        Check("newfstatat", Newfstatat(dir, Z("data.bin"), &st, 0) == 0 && st.StSize == 5, $"newfstatat after truncate: size {st.StSize}");
        Fails("truncate", Truncate(Z(path + ".missing"), 5), Errno.ENOENT, "truncate of a missing file");
        Fails("newfstatat", Newfstatat(dir, Z("missing"), &st, 0), Errno.ENOENT, "newfstatat of a missing file");
        Check("newfstatat", Newfstatat(fd, Z(""), &st, AT_EMPTY_PATH) == 0 && st.StIno == Ino(path), "newfstatat AT_EMPTY_PATH");

        Statx stx = default;
        Check("statx", Statx(dir, Z("data.bin"), 0, STATX_BASIC_STATS, &stx) == 0 && (stx.StxMask & STATX_SIZE) != 0 && stx.StxSize == 5
            && stx.StxIno == st.StIno && (stx.StxMode & S_IFMT) == S_IFREG, $"statx: size {stx.StxSize}, mask {stx.StxMask:x}");
        Fails("statx", Statx(dir, Z("data.bin"), 0, 0x80000000, &stx), Errno.EINVAL, "statx with STATX__RESERVED");

        // 2001-09-09 and 2004-11-09: the times set are what stat and statx read.
        var times = stackalloc KernelTimespec[2];
        times[0] = new KernelTimespec { TvSec = 1_000_000_000, TvNsec = 123_456_789 };
        times[1] = new KernelTimespec { TvSec = 1_100_000_000, TvNsec = 5 };
        Check("utimensat", Utimensat(dir, Z("data.bin"), times, 0) == 0, "utimensat");
        Check("utimensat", Statx(dir, Z("data.bin"), 0, STATX_BASIC_STATS, &stx) == 0 && stx.StxAtime.TvSec == 1_000_000_000 && stx.StxAtime.TvNsec == 123_456_789
            && stx.StxMtime.TvSec == 1_100_000_000 && stx.StxMtime.TvNsec == 5, $"times read back: {stx.StxAtime.TvSec}.{stx.StxAtime.TvNsec}, {stx.StxMtime.TvSec}.{stx.StxMtime.TvNsec}");
        Check("utimensat", File.GetLastWriteTimeUtc(path) == DateTimeOffset.FromUnixTimeSeconds(1_100_000_000).UtcDateTime, "the mtime .NET reads");
        times[0].TvNsec = 1_000_000_000;
        Fails("utimensat", Utimensat(dir, Z("data.bin"), times, 0), Errno.EINVAL, "utimensat with 10^9 ns");

        Check("fchmodat", Fchmodat(dir, Z("data.bin"), Mode600) == 0 && Newfstatat(dir, Z("data.bin"), &st, 0) == 0 && (st.StMode & 0x1ff) == Mode600,
            $"fchmodat 0600: mode {Convert.ToString(st.StMode & 0x1ff, 8)}");
        Check("fchmod", Fchmod((uint)fd, Mode640) == 0 && Fstat((uint)fd, &st) == 0 && (st.StMode & 0x1ff) == Mode640, $"fchmod 0640: mode {Convert.ToString(st.StMode & 0x1ff, 8)}");
        Check("fchmod", (File.GetUnixFileMode(path) & (UnixFileMode)0x1ff) == (UnixFileMode)Mode640, "the mode .NET reads");
        // As root, another owner (this file's only); else the caller's own ids, which any owner may set.
        uint owner = Geteuid() == 0 ? 4321u : (uint)Geteuid(), group = Geteuid() == 0 ? 4322u : (uint)Getegid();
        Check("fchownat", Fchownat(dir, Z("data.bin"), owner, group, 0) == 0 && Fstat((uint)fd, &st) == 0 && st.StUid == owner && st.StGid == group,
            $"fchownat to {owner}:{group}: {st.StUid}:{st.StGid}");
        uint uid = (uint)Getuid(), gid = (uint)Getgid();
        Check("fchown", Fchown((uint)fd, uid, gid) == 0 && Fstat((uint)fd, &st) == 0 && st.StUid == uid && st.StGid == gid, $"fchown to {uid}:{gid}: {st.StUid}:{st.StGid}");
        Check("faccessat", Faccessat(dir, Z("data.bin"), ROk) == 0, "faccessat R_OK");
        Fails("faccessat", Faccessat(dir, Z("missing"), FOk), Errno.ENOENT, "faccessat of a missing file");
    }

    private static void Names(int dir, int fd, string work)
    {
        FileStatus st = default;
        var buffer = new byte[256];
        fixed (byte* b = buffer)
        {
            Check("symlinkat", Symlinkat(Z("data.bin"), dir, Z("link")) == 0, "symlinkat");
            Fails("symlinkat", Symlinkat(Z("data.bin"), dir, Z("link")), Errno.EEXIST, "symlinkat over an existing name");
            nint n = Readlinkat(dir, Z("link"), b, 256);
            Check("readlinkat", n == 8 && Encoding.ASCII.GetString(buffer, 0, 8) == "data.bin", $"readlinkat answered {n}");
            Fails("readlinkat", Readlinkat(dir, Z("data.bin"), b, 256), Errno.EINVAL, "readlinkat of a regular file");
            Check("readlinkat", new FileInfo(Path.Combine(work, "link")).LinkTarget == "data.bin", "the target .NET reads");
            Check("faccessat2", Faccessat2(dir, Z("link"), FOk, AT_SYMLINK_NOFOLLOW) == 0, "faccessat2 of the link itself");
            Fails("faccessat2", Faccessat2(dir, Z("link"), FOk, 0x10000000), Errno.EINVAL, "faccessat2 with an unknown flag");

            Check("linkat", Linkat(dir, Z("data.bin"), dir, Z("hard"), 0) == 0 && Fstat((uint)fd, &st) == 0 && st.StNlink == 2, $"linkat: nlink {st.StNlink}");
            Check("renameat", Renameat(dir, Z("hard"), dir, Z("hard2")) == 0, "renameat");
            Check("renameat", Newfstatat(dir, Z("hard"), &st, 0) == -1 && Newfstatat(dir, Z("hard2"), &st, 0) == 0 && st.StIno == Ino(Path.Combine(work, "data.bin")),
                "after renameat, the old name is gone and the new one is the file");
            Fails("renameat2", Renameat2(dir, Z("hard2"), dir, Z("link"), RENAME_NOREPLACE), Errno.EEXIST, "renameat2 NOREPLACE over the link");
            Check("renameat2", Renameat2(dir, Z("hard2"), dir, Z("link"), RENAME_EXCHANGE) == 0, "renameat2 EXCHANGE");
            Check("renameat2", Newfstatat(dir, Z("hard2"), &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.StMode & S_IFMT) == S_IFLNK
                && Newfstatat(dir, Z("link"), &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.StMode & S_IFMT) == S_IFREG, "the names were not exchanged");
            Check("renameat2", Renameat2(dir, Z("hard2"), dir, Z("link"), RENAME_EXCHANGE) == 0, "renameat2 EXCHANGE back");

            Check("mknodat", Mknodat(dir, Z("fifo"), (ushort)(S_IFIFO | Mode600), 0) == 0 && Newfstatat(dir, Z("fifo"), &st, 0) == 0 && (st.StMode & S_IFMT) == S_IFIFO,
                $"mknodat of a FIFO: mode {Convert.ToString(st.StMode, 8)}");
            Check("mkdirat", Mkdirat(dir, Z("sub"), Mode755) == 0, "mkdirat of sub");

            // Every name made, read back from the folder as linux_dirent64 records (d_ino, d_off, d_reclen, d_type, d_name).
            int listing = (int)Openat(dir, Z("."), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
            var names = new HashSet<string>(StringComparer.Ordinal);
            var records = new byte[4096];
            fixed (byte* r = records)
            {
                nint got;
                while ((got = Getdents64((uint)listing, r, (uint)records.Length)) > 0)
                {
                    for (int at = 0; at < got; at += *(ushort*)(r + at + 16))
                    {
                        names.Add(Text(records.AsSpan(at + 19, *(ushort*)(r + at + 16) - 19)));
                    }
                }
                Check("getdents64", got == 0, "getdents64 ended in an error");
                Fails("getdents64", Getdents64((uint)fd, r, (uint)records.Length), Errno.ENOTDIR, "getdents64 of a file");
            }
            Close((uint)listing);
            var expected = new[] { ".", "..", "data.bin", "link", "hard2", "fifo", "sub" };
            Check("getdents64", names.SetEquals(expected), $"getdents64 listed {string.Join(' ', names.Order())}");
            Check("getdents64", Directory.EnumerateFileSystemEntries(work).Select(Path.GetFileName).Order().SequenceEqual(expected[2..].Order()), "the names .NET lists");

            // The working folder: chdir and fchdir move it, getcwd reads it; restored after.
            nint length = Getcwd(b, 256);
            var before = Text(buffer);
            Check("getcwd", length == before.Length + 1 && before == Directory.GetCurrentDirectory(), $"getcwd answered {length}: {before}");
            Check("chdir", Chdir(Z(work)) == 0 && Getcwd(b, 256) > 0 && Text(buffer) == work, $"after chdir, getcwd is {Text(buffer)}");
            Check("chdir", File.Exists("data.bin"), "a relative name is not found below the new folder");
            Chdir(Z(before));
            Check("fchdir", Fchdir((uint)dir) == 0 && Getcwd(b, 256) > 0 && Text(buffer) == work, "fchdir to the work folder");
            Fails("getcwd", Getcwd(b, 2), Errno.ERANGE, "getcwd into 2 bytes");
            Fails("fchdir", Fchdir((uint)fd), Errno.ENOTDIR, "fchdir to a file");
            Check("chdir", Chdir(Z(before)) == 0 && Directory.GetCurrentDirectory() == before, "chdir back");
            Fails("chdir", Chdir(Z(Path.Combine(work, "missing"))), Errno.ENOENT, "chdir to a missing folder");

            FileSystemStatus fs, ffs;
            Check("statfs", Statfs(Z(work), &fs) == 0 && fs.FBsize > 0 && fs.FBlocks > 0 && fs.FNamelen > 0, $"statfs: bsize {fs.FBsize}, blocks {fs.FBlocks}");
            Check("fstatfs", Fstatfs((uint)fd, &ffs) == 0 && ffs.FType == fs.FType && ffs.FBsize == fs.FBsize && ffs.FBlocks == fs.FBlocks, "fstatfs differs from statfs");
            Fails("statfs", Statfs(Z(Path.Combine(work, "missing")), &fs), Errno.ENOENT, "statfs of a missing path");
        }
    }

    private static void Descriptors(int dir, int fd)
    {
        FileStatus st = default, other = default;
        Check("lseek", Lseek((uint)fd, 3, SEEK_SET) == 3, "lseek to 3");
        int copy = (int)Dup((uint)fd);
        Check("dup", copy >= 0 && copy != fd && Lseek((uint)copy, 0, SEEK_CUR) == 3, "dup does not share the offset");
        Check("dup", Fcntl((uint)copy, F_GETFD, 0) == 0, "dup's descriptor has FD_CLOEXEC");
        int fixedFd = (int)Dup3((uint)fd, 900, O_CLOEXEC);
        Check("dup3", fixedFd == 900 && Fcntl(900, F_GETFD, 0) == FD_CLOEXEC && Fstat(900, &st) == 0 && Fstat((uint)fd, &other) == 0 && st.StIno == other.StIno, $"dup3 to 900 answered {fixedFd}");
        Fails("dup3", Dup3((uint)fd, (uint)fd, 0), Errno.EINVAL, "dup3 onto itself");
        Check("fcntl", (Fcntl((uint)fd, F_GETFL, 0) & O_ACCMODE) == O_RDWR, "F_GETFL is not O_RDWR");
        Check("fcntl", Fcntl((uint)copy, F_SETFL, O_APPEND) == 0 && (Fcntl((uint)fd, F_GETFL, 0) & O_APPEND) != 0, "F_SETFL O_APPEND is not seen through the other descriptor");
        Fcntl((uint)copy, F_SETFL, 0);
        int third = (int)Fcntl((uint)fd, F_DUPFD_CLOEXEC, 950);
        Check("fcntl", third >= 950 && Fcntl((uint)third, F_GETFD, 0) == FD_CLOEXEC, $"F_DUPFD_CLOEXEC answered {third}");
        Fails("fcntl", Fcntl(unchecked((uint)-1), F_GETFD, 0), Errno.EBADF, "fcntl of fd -1");

        // A lock through one open file excludes another open file of the same file.
        int again = (int)Openat(dir, Z("data.bin"), O_RDONLY | O_CLOEXEC, 0);
        Check("flock", Flock((uint)fd, LOCK_EX) == 0, "flock LOCK_EX");
        Fails("flock", Flock((uint)again, LOCK_SH | LOCK_NB), Errno.EAGAIN, "flock of a locked file");
        Check("flock", Flock((uint)fd, LOCK_UN) == 0 && Flock((uint)again, LOCK_SH | LOCK_NB) == 0, "flock after LOCK_UN");
        Close((uint)again);

        // close_range: CLOEXEC over 900, then closes 900..949 (the copies), leaving the rest.
        Check("close_range", CloseRange(900, 900, CLOSE_RANGE_CLOEXEC) == 0 && Fcntl(900, F_GETFD, 0) == FD_CLOEXEC, "close_range CLOEXEC");
        Check("close_range", CloseRange(900, 999, 0) == 0 && Fcntl(900, F_GETFD, 0) == -1 && Fcntl((uint)third, F_GETFD, 0) == -1 && Fcntl((uint)fd, F_GETFD, 0) == FD_CLOEXEC,
            "close_range 900..999");
        Fails("close_range", CloseRange(10, 5, 0), Errno.EINVAL, "close_range with last below first");
        Close((uint)copy);

        // ioctl FIONREAD: how many bytes a pipe holds.
        var pipe = stackalloc int[2];
        Pipe2(pipe, O_CLOEXEC);
        fixed (byte* seven = "1234567"u8)
        {
            Write((uint)pipe[1], seven, 7);
        }
        int pending = 0;
        Check("ioctl", Ioctl((uint)pipe[0], FIONREAD, (ulong)&pending) == 0 && pending == 7, $"FIONREAD: {pending}");
        Fails("ioctl", Ioctl((uint)fd, 0x5401 /* TCGETS */, (ulong)&pending), Errno.ENOTTY, "a terminal ioctl on a file");
        Close((uint)pipe[0]);
        Close((uint)pipe[1]);

        // memfd_create: an anonymous file, named so in /proc.
        int memfd = (int)MemfdCreate(Z("run-probe"), MFD_CLOEXEC);
        fixed (byte* bytes = "memfd!"u8)
        {
            Check("memfd_create", memfd >= 0 && Write((uint)memfd, bytes, 6) == 6 && Fstat((uint)memfd, &st) == 0 && st.StSize == 6, "memfd_create, then write");
        }
        Check("memfd_create", new FileInfo($"/proc/thread-self/fd/{memfd}").LinkTarget?.StartsWith("/memfd:run-probe", StringComparison.Ordinal) == true, "its name in /proc");
        Fails("memfd_create", MemfdCreate(Z("run-probe"), 0x40000000), Errno.EINVAL, "memfd_create with an unknown flag");
        Close((uint)memfd);
    }

    private static void Pipes(int dir, int fd)
    {
        var a = stackalloc int[2];
        var b = stackalloc int[2];
        Check("pipe2", Pipe2(a, O_CLOEXEC | O_NONBLOCK) == 0 && a[0] >= 0 && a[1] > a[0], "pipe2");
        Check("pipe2", (Fcntl((uint)a[0], F_GETFL, 0) & O_NONBLOCK) != 0 && Fcntl((uint)a[1], F_GETFD, 0) == FD_CLOEXEC, "pipe2's flags");
        Check("pipe2", Pipe2(b, O_CLOEXEC) == 0, "pipe2");
        Fails("pipe2", Pipe2(b, 0x1), Errno.EINVAL, "pipe2 with an unknown flag");
        var buffer = new byte[64];
        fixed (byte* buf = buffer, content = "hXYlo"u8)
        {
            Fails("read", Read((uint)a[0], buf, 64), Errno.EAGAIN, "read of an empty non-blocking pipe");
            // The data file, 5 bytes since truncate (its head punched out before): "hXYlo" again, spliced into a pipe.
            Pwrite64((uint)fd, content, 5, 0);
            long offset = 0;
            Check("splice", Splice(fd, &offset, a[1], null, 5, 0) == 5 && offset == 5, $"splice of 5 bytes, offset now {offset}");
            Check("tee", Tee(a[0], b[1], 5, 0) == 5, "tee of 5 bytes");
            Check("splice", Read((uint)a[0], buf, 64) == 5 && Encoding.ASCII.GetString(buffer, 0, 5) == "hXYlo", "what splice moved");
            Check("tee", Read((uint)b[0], buf, 64) == 5 && Encoding.ASCII.GetString(buffer, 0, 5) == "hXYlo", "what tee copied");
            Fails("tee", Tee(a[0], a[1], 5, 0), Errno.EINVAL, "tee of a pipe into itself");
            Fails("splice", Splice(fd, null, fd, null, 5, 0), Errno.EINVAL, "splice with no pipe");

            fixed (byte* gift = "gift"u8)
            {
                var vector = new IoVector { IovBase = (nint)gift, IovLen = 4 };
                Check("vmsplice", Vmsplice(b[1], &vector, 1, 0) == 4 && Read((uint)b[0], buf, 64) == 4 && Encoding.ASCII.GetString(buffer, 0, 4) == "gift", "vmsplice");
                Fails("vmsplice", Vmsplice(b[0], &vector, 1, 0xff00), Errno.EINVAL, "vmsplice with unknown flags");
            }

            // sendfile and copy_file_range: the data file's 5 bytes into a second file.
            int copy = (int)Openat(dir, Z("copy.bin"), O_RDWR | O_CREAT | O_CLOEXEC, Mode644);
            long from = 1;
            Check("sendfile", Sendfile(copy, fd, &from, 4) == 4 && from == 5, $"sendfile of 4 bytes, offset now {from}");
            long inOffset = 0, outOffset = 4;
            Check("copy_file_range", CopyFileRange(fd, &inOffset, copy, &outOffset, 5, 0) == 5 && inOffset == 5 && outOffset == 9, "copy_file_range of 5 bytes");
            Check("copy_file_range", Pread64((uint)copy, buf, 64, 0) == 9 && Encoding.ASCII.GetString(buffer, 0, 9) == "XYlohXYlo", "what sendfile and copy_file_range wrote");
            Fails("copy_file_range", CopyFileRange(fd, &inOffset, copy, &outOffset, 5, 1), Errno.EINVAL, "copy_file_range with flags");
            Fails("sendfile", Sendfile(copy, a[1], null, 4), Errno.EBADF, "sendfile from a pipe's write end");
            Close((uint)copy);
            Unlinkat(dir, Z("copy.bin"), 0);
        }
        for (int i = 0; i < 2; i++)
        {
            Close((uint)a[i]);
            Close((uint)b[i]);
        }
    }

    private static void Attributes(int fd, string path, string link)
    {
        var value = new byte[64];
        var list = new byte[256];
        fixed (byte* v = value, l = list, one = "v1"u8, two = "second"u8)
        {
            byte* name = Z("user.run-probe"), other = Z("user.run-probe-l"), third = Z("user.run-probe-f");
            Check("setxattr", Setxattr(Z(path), name, one, 2, XATTR_CREATE) == 0, "setxattr");
            Fails("setxattr", Setxattr(Z(path), name, one, 2, XATTR_CREATE), Errno.EEXIST, "setxattr XATTR_CREATE of an existing name");
            Check("getxattr", Getxattr(Z(path), name, v, 64) == 2 && value[0] == (byte)'v' && value[1] == (byte)'1', "getxattr");
            Check("getxattr", Getxattr(Z(link), name, v, 64) == 2, "getxattr through the symbolic link");
            Fails("lgetxattr", Lgetxattr(Z(link), name, v, 64), Errno.ENODATA, "lgetxattr of the link itself");
            Check("lsetxattr", Lsetxattr(Z(path), other, two, 6, 0) == 0, "lsetxattr");
            Check("lgetxattr", Lgetxattr(Z(path), other, v, 64) == 6 && Encoding.ASCII.GetString(value, 0, 6) == "second", "lgetxattr");
            Check("fsetxattr", Fsetxattr(fd, third, one, 2, 0) == 0, "fsetxattr");
            Check("fgetxattr", Fgetxattr(fd, other, v, 64) == 6 && Fgetxattr(fd, third, v, 64) == 2, "fgetxattr");
            Fails("fgetxattr", Fgetxattr(fd, name, v, 1), Errno.ERANGE, "fgetxattr into one byte");
            string Names(nint n) => n < 0 ? $"(answered {n})" : string.Join(',', Encoding.ASCII.GetString(list, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries).Where(x => x.StartsWith("user.", StringComparison.Ordinal)).Order());
            const string all = "user.run-probe,user.run-probe-f,user.run-probe-l";
            Check("listxattr", Names(Listxattr(Z(path), l, 256)) == all, "listxattr");
            Check("llistxattr", Names(Llistxattr(Z(path), l, 256)) == all, "llistxattr");
            Check("flistxattr", Names(Flistxattr(fd, l, 256)) == all, "flistxattr");
            Check("llistxattr", Names(Llistxattr(Z(link), l, 256)) == "", "llistxattr of the link itself");
            Check("removexattr", Removexattr(Z(path), name) == 0, "removexattr");
            Check("lremovexattr", Lremovexattr(Z(path), other) == 0, "lremovexattr");
            Check("fremovexattr", Fremovexattr(fd, third) == 0, "fremovexattr");
            Fails("removexattr", Removexattr(Z(path), name), Errno.ENODATA, "removexattr of a removed name");
            Fails("lremovexattr", Lremovexattr(Z(path), other), Errno.ENODATA, "lremovexattr of a removed name");
            Fails("fremovexattr", Fremovexattr(fd, third), Errno.ENODATA, "fremovexattr of a removed name");
            Check("flistxattr", Names(Flistxattr(fd, l, 256)) == "", "flistxattr after removal");
        }
    }

    // The marker at offset 4096 of a new file, by pwritev: what the test reads.
    private static void Written(string written, string marker)
    {
        var bytes = Encoding.ASCII.GetBytes(marker);
        int fd = (int)Openat(AT_FDCWD, Z(written), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, Mode644);
        fixed (byte* b = bytes)
        {
            var vector = new IoVector { IovBase = (nint)b, IovLen = (ulong)bytes.Length };
            Check("pwritev", fd >= 0 && Pwritev((ulong)fd, &vector, 1, 4096, 0) == bytes.Length, "pwritev of the marker");
        }
        Close((uint)fd);
    }

    /// <summary>Removes what the calls made below the work folder, and the folder, with unlinkat.</summary>
    public static void Clean(string work)
    {
        int dir = (int)Openat(AT_FDCWD, Z(work), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        Fails("unlinkat", Unlinkat(AT_FDCWD, Z(work), AT_REMOVEDIR), Errno.ENOTEMPTY, "unlinkat of a folder that is not empty");
        Fails("unlinkat", Unlinkat(dir, Z("sub"), 0), Errno.EISDIR, "unlinkat of a folder without AT_REMOVEDIR");
        foreach (var name in Directory.EnumerateFileSystemEntries(work).Select(Path.GetFileName).ToList())
        {
            bool folder = Directory.Exists(Path.Combine(work, name!)) && !new FileInfo(Path.Combine(work, name!)).Attributes.HasFlag(FileAttributes.ReparsePoint);
            Check("unlinkat", Unlinkat(dir, Z(name!), folder ? AT_REMOVEDIR : 0) == 0, $"unlinkat of {name}");
        }
        Close((uint)dir);
        Check("unlinkat", Unlinkat(AT_FDCWD, Z(work), AT_REMOVEDIR) == 0 && !Directory.Exists(work), "unlinkat of the emptied work folder");
    }

    // A file's inode number from /proc's fdinfo of a descriptor .NET opened: a second opinion beside the stubs'.
    private static ulong Ino(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var line = File.ReadAllLines($"/proc/thread-self/fdinfo/{handle.DangerousGetHandle()}").Single(l => l.StartsWith("ino:", StringComparison.Ordinal));
        return ulong.Parse(line[4..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
