using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using KexecGen.Config;
using KexecGen.Generator.Model;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// Every stub of the whole table that glibc has a wrapper for taking a 64-bit, time, uid/gid or struct argument, proven
/// by running: on each ABI whose gcc entry has a <c>run:</c>, one static C program calls glibc's wrapper and then the
/// stub's C twin — <c>syscall(number, …)</c> with exactly the registers the generator passes there (whole arguments
/// widened as the C# stub widens them, 64-bit ones split low/high, padding 0) and the same argument values and buffers —
/// each between <c>close(marker)</c> calls, under qemu-user's <c>-strace</c> (x86_64 too, so that every ABI is traced
/// alike). Where glibc makes the very syscall the twin makes, qemu must print the same arguments for both; where glibc
/// makes another, the stub's row must not run a function glibc avoids for its narrower types (<c>*_time32</c>, <c>*16</c>);
/// where the generator refuses the ABI, it must say why. Rows qemu-user does not run (the <c>*_time64</c> rows in
/// qemu 7.2) are counted and listed, not compared.
/// </summary>
public class StraceComparisonTests(ITestOutputHelper output)
{
    // What the generator said of a syscall on an ABI (why it refused it there).
    private static string Said(string syscall, string abi) => string.Join("; ", FullTableBindings.Instance.Built.Diagnostics
        .Where(d => d.Message.Contains($"syscall {syscall} ", StringComparison.Ordinal) && d.Message.Contains($"'{abi}'", StringComparison.Ordinal))
        .Select(d => $"{d.Id} {d.Message}"));

    /// <summary>
    /// A glibc call and the arguments of its twin: <paramref name="Syscalls"/> the stubs (kernel names) it is the wrapper
    /// of, <paramref name="Twin"/> their kernel arguments in the prototype's order, as C expressions (the same buffers
    /// glibc is given). <paramref name="Own"/>: argument positions where glibc passes a buffer of its own rather than the
    /// caller's (a timeout it copies because the kernel writes it, a kernel struct it converts to the caller's).
    /// </summary>
    private sealed record Wrapper(string[] Syscalls, string Glibc, string[] Twin, int[] Own);

    private static Wrapper W(string syscalls, string glibc, string twin, params int[] own) =>
        new(syscalls.Split(' '), glibc, StraceRun.SplitTopLevel(twin).ToArray(), own);

    // Harmless arguments only: fd 999 and 998 are never open (-1 would be refused by some wrappers before the kernel),
    // paths are /nonexistent, clock 12345 is no clock, timer 12345 no timer, ids are the process's own (it runs as
    // root, so setuid-family calls must change nothing), and timeouts are zero.
    private static readonly Wrapper[] Wrappers =
    {
        // 64-bit file offsets and lengths (-D_FILE_OFFSET_BITS=64): high halves that are not 0, so a lost or swapped half shows.
        W("pread64", "pread(999, buf, 16, OFF)", "999, buf, 16, OFF"),
        W("pwrite64", "pwrite(999, buf, 16, OFF)", "999, buf, 16, OFF"),
        W("preadv", "preadv(999, &iov, 1, OFF)", "999, &iov, 1, (long)OFF, POS_H"),
        W("pwritev", "pwritev(999, &iov, 1, OFF)", "999, &iov, 1, (long)OFF, POS_H"),
        W("preadv2", "preadv2(999, &iov, 1, OFF, 0)", "999, &iov, 1, (long)OFF, POS_H, 0"),
        W("pwritev2", "pwritev2(999, &iov, 1, OFF, 0)", "999, &iov, 1, (long)OFF, POS_H, 0"),
        W("lseek", "lseek(999, OFF, SEEK_SET)", "999, OFF, SEEK_SET"),
        // glibc's lseek64 has the kernel write the result into a loff_t of its own.
        W("_llseek llseek", "lseek(999, OFF, SEEK_SET)", "999, (long)((uint64_t)OFF >> 32), (long)OFF, &loff, SEEK_SET", 3),
        W("ftruncate ftruncate64", "ftruncate(999, OFF)", "999, OFF"),
        W("truncate truncate64", "truncate(\"/nonexistent\", OFF)", "\"/nonexistent\", OFF"),
        W("fallocate", "fallocate(999, 0, OFF, LEN)", "999, 0, OFF, LEN"),
        W("fadvise64 fadvise64_64", "posix_fadvise(999, OFF, LEN, POSIX_FADV_NORMAL)", "999, OFF, LEN, POSIX_FADV_NORMAL"),
        W("arm_fadvise64_64", "posix_fadvise(999, OFF, LEN, POSIX_FADV_NORMAL)", "999, POSIX_FADV_NORMAL, OFF, LEN"),
        W("sync_file_range", "sync_file_range(999, OFF, LEN, SYNC_FILE_RANGE_WRITE)", "999, OFF, LEN, SYNC_FILE_RANGE_WRITE"),
        W("sync_file_range2 arm_sync_file_range", "sync_file_range(999, OFF, LEN, SYNC_FILE_RANGE_WRITE)", "999, SYNC_FILE_RANGE_WRITE, OFF, LEN"),
        W("readahead", "readahead(999, OFF, 16)", "999, OFF, 16"),
        W("sendfile sendfile64", "sendfile(998, 999, &soff, 16)", "998, 999, &soff, 16"),
        W("copy_file_range", "copy_file_range(999, &loff, 998, &loff2, 16, 0)", "999, &loff, 998, &loff2, 16, 0"),
        W("splice", "splice(999, &loff, 998, &loff2, 16, 0)", "999, &loff, 998, &loff2, 16, 0"),
        W("mmap", "mmap(0, 4096, PROT_READ, MAP_PRIVATE, 999, MOFF)", "0, 4096, PROT_READ, MAP_PRIVATE, 999, MOFF"),
        W("mmap2", "mmap(0, 4096, PROT_READ, MAP_PRIVATE, 999, MOFF)", "0, 4096, PROT_READ, MAP_PRIVATE, 999, MOFF >> 12"),
        W("fanotify_mark", "fanotify_mark(999, FAN_MARK_ADD, MASK, AT_FDCWD, \"/nonexistent\")", "999, FAN_MARK_ADD, MASK, AT_FDCWD, \"/nonexistent\""),

        // Time (-D_TIME_BITS=64).
        W("clock_gettime clock_gettime64", "clock_gettime(CLOCK_MONOTONIC, &ts)", "CLOCK_MONOTONIC, &ts"),
        W("clock_settime clock_settime64", "clock_settime(12345, &zero)", "12345, &zero"),
        W("clock_getres clock_getres_time64", "clock_getres(CLOCK_MONOTONIC, &ts)", "CLOCK_MONOTONIC, &ts"),
        W("clock_nanosleep clock_nanosleep_time64", "clock_nanosleep(CLOCK_MONOTONIC, 0, &tiny, &ts)", "CLOCK_MONOTONIC, 0, &tiny, &ts"),
        W("nanosleep", "nanosleep(&tiny, &ts)", "&tiny, &ts"),
        W("clock_adjtime clock_adjtime64", "clock_adjtime(CLOCK_REALTIME, &tx)", "CLOCK_REALTIME, &tx"),
        W("adjtimex", "adjtimex(&tx)", "&tx"),
        W("gettimeofday", "gettimeofday(&tvg, 0)", "&tvg, 0"),
        W("time", "time(&tt)", "&tt"),
        W("utimensat utimensat_time64", "utimensat(AT_FDCWD, \"/nonexistent\", times2, 0)", "AT_FDCWD, \"/nonexistent\", times2, 0"),
        W("utimensat utimensat_time64", "futimens(999, times2)", "999, 0, times2, 0"),
        W("utimes", "utimes(\"/nonexistent\", tv2)", "\"/nonexistent\", tv2"),
        W("futimesat", "futimesat(AT_FDCWD, \"/nonexistent\", tv2)", "AT_FDCWD, \"/nonexistent\", tv2"),
        W("utime", "utime(\"/nonexistent\", &ub)", "\"/nonexistent\", &ub"),
        W("timerfd_settime timerfd_settime64", "timerfd_settime(999, 0, &its, &oits)", "999, 0, &its, &oits"),
        W("timerfd_gettime timerfd_gettime64", "timerfd_gettime(999, &oits)", "999, &oits"),
        W("timer_settime timer_settime64", "timer_settime(TIMER, 0, &its, &oits)", "12345, 0, &its, &oits"),
        W("timer_gettime timer_gettime64", "timer_gettime(TIMER, &oits)", "12345, &oits"),
        // glibc copies the timeout, which the kernel updates, into a timespec of its own.
        W("ppoll ppoll_time64", "ppoll(0, 0, &zero, 0)", "0, 0, &zero, 0, SIGSZ", 2),
        // glibc's pselect copies the timeout too, and passes its sigmask and size in a struct of its own.
        W("pselect6 pselect6_time64", "pselect(0, 0, 0, 0, &zero, 0)", "0, 0, 0, 0, &zero, &sigdata", 4, 5),
        W("select _newselect", "select(0, 0, 0, 0, &tvs)", "0, 0, 0, 0, &tvs"),
        W("epoll_pwait2", "epoll_pwait2(999, &ev, 1, &zero, 0)", "999, &ev, 1, &zero, 0, SIGSZ"),
        W("sched_rr_get_interval sched_rr_get_interval_time64", "sched_rr_get_interval(0, &ts)", "0, &ts"),
        W("mq_timedsend mq_timedsend_time64", "mq_timedsend(999, buf, 4, 0, &zero)", "999, buf, 4, 0, &zero"),
        W("mq_timedreceive mq_timedreceive_time64", "mq_timedreceive(999, buf, 64, 0, &zero)", "999, buf, 64, 0, &zero"),
        W("semtimedop semtimedop_time64", "semtimedop(999999, &sb, 1, &zero)", "999999, &sb, 1, &zero"),
        W("recvmmsg recvmmsg_time64", "recvmmsg(999, &mm, 1, 0, &zero)", "999, &mm, 1, 0, &zero"),
        W("rt_sigtimedwait rt_sigtimedwait_time64", "sigtimedwait(&set, &info, &zero)", "&set, &info, &zero, SIGSZ"),
        // The kernel's itimerval has a 32-bit time_t on the 32-bit ABIs: glibc has it written into one of its own and converts.
        W("getitimer", "getitimer(ITIMER_VIRTUAL, &oitv)", "ITIMER_VIRTUAL, &oitv", 1),
        W("setitimer", "setitimer(ITIMER_VIRTUAL, &itv, &oitv)", "ITIMER_VIRTUAL, &itv, &oitv", 2),

        // uid and gid: 70000 does not fit 16 bits; the set* calls pass the process's own ids.
        W("chown chown32", "chown(\"/nonexistent\", 70000, 70001)", "\"/nonexistent\", 70000, 70001"),
        W("lchown lchown32", "lchown(\"/nonexistent\", 70000, 70001)", "\"/nonexistent\", 70000, 70001"),
        W("fchown fchown32", "fchown(999, 70000, 70001)", "999, 70000, 70001"),
        W("fchownat", "fchownat(AT_FDCWD, \"/nonexistent\", 70000, 70001, AT_SYMLINK_NOFOLLOW)", "AT_FDCWD, \"/nonexistent\", 70000, 70001, AT_SYMLINK_NOFOLLOW"),
        W("setuid setuid32", "setuid(me)", "me"),
        W("setgid setgid32", "setgid(mg)", "mg"),
        W("setreuid setreuid32", "setreuid(me, me)", "me, me"),
        W("setregid setregid32", "setregid(mg, mg)", "mg, mg"),
        W("setresuid setresuid32", "setresuid(me, me, me)", "me, me, me"),
        W("setresgid setresgid32", "setresgid(mg, mg, mg)", "mg, mg, mg"),
        W("getresuid getresuid32", "getresuid(&ru0, &ru1, &ru2)", "&ru0, &ru1, &ru2"),
        W("getresgid getresgid32", "getresgid(&rg0, &rg1, &rg2)", "&rg0, &rg1, &rg2"),
        W("getuid getuid32", "getuid()", ""),
        W("getgid getgid32", "getgid()", ""),
        W("geteuid geteuid32", "geteuid()", ""),
        W("getegid getegid32", "getegid()", ""),
        W("setfsuid setfsuid32", "setfsuid(me)", "me"),
        W("setfsgid setfsgid32", "setfsgid(mg)", "mg"),
        W("getgroups getgroups32", "getgroups(64, groups2)", "64, groups2"),
        W("setgroups setgroups32", "setgroups(ngroups, groups)", "ngroups, groups"),

        // Structs.
        W("uname", "uname(&u)", "&u"),
        W("sysinfo", "sysinfo(&si)", "&si"),
        W("times", "times(&tm)", "&tm"),
        W("statfs", "statfs(\"/nonexistent\", &sfs)", "\"/nonexistent\", &sfs"),
        W("statfs64", "statfs(\"/nonexistent\", &sfs)", "\"/nonexistent\", sizeof sfs, &sfs"),
        W("fstatfs", "fstatfs(999, &sfs)", "999, &sfs"),
        W("fstatfs64", "fstatfs(999, &sfs)", "999, sizeof sfs, &sfs"),
        W("stat stat64", "stat(\"/nonexistent\", &st)", "\"/nonexistent\", &st"),
        W("lstat lstat64", "lstat(\"/nonexistent\", &st)", "\"/nonexistent\", &st"),
        W("fstat fstat64", "fstat(999, &st)", "999, &st"),
        // sparc64's glibc has the kernel's struct stat64 written into one of its own and converts it.
        W("newfstatat fstatat64", "fstatat(AT_FDCWD, \"/nonexistent\", &st, 0)", "AT_FDCWD, \"/nonexistent\", &st, 0", 2),
        W("statx", "statx(AT_FDCWD, \"/nonexistent\", 0, STATX_BASIC_STATS, &stx)", "AT_FDCWD, \"/nonexistent\", 0, STATX_BASIC_STATS, &stx"),
        W("getrlimit ugetrlimit", "getrlimit(RLIMIT_NOFILE, &rl2)", "RLIMIT_NOFILE, &rl2"),
        W("setrlimit", "setrlimit(RLIMIT_NOFILE, &rl)", "RLIMIT_NOFILE, &rl"),
        W("prlimit64", "prlimit(0, RLIMIT_NOFILE, 0, &rl2)", "0, RLIMIT_NOFILE, 0, &rl2"),
        // Likewise the rusage (its timevals).
        W("getrusage", "getrusage(RUSAGE_SELF, &rus)", "RUSAGE_SELF, &rus", 1),
        W("wait4", "wait4(999999, 0, WNOHANG, &rus)", "999999, 0, WNOHANG, &rus", 3),
        W("waitid", "waitid(P_PID, 999999, &info, WEXITED | WNOHANG)", "P_PID, 999999, &info, WEXITED | WNOHANG, 0"),
        W("sched_getparam", "sched_getparam(0, &sp)", "0, &sp"),
        W("sched_getaffinity", "sched_getaffinity(0, sizeof cpus, &cpus)", "0, sizeof cpus, &cpus"),
        W("rt_sigprocmask", "sigprocmask(SIG_BLOCK, 0, &oset)", "SIG_BLOCK, 0, &oset, SIGSZ"),
        W("rt_sigpending", "sigpending(&oset)", "&oset, SIGSZ"),
        // glibc reads the kernel's struct sigaction into one of its own and converts it.
        W("rt_sigaction", "sigaction(SIGUSR1, 0, &oact)", "SIGUSR1, 0, &oact, SIGSZ", 2),
    };

    // The C program's declarations: the arguments both calls of a pair are given.
    private const string Prelude = """
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <grp.h>
        #include <mqueue.h>
        #include <poll.h>
        #include <sched.h>
        #include <signal.h>
        #include <stdint.h>
        #include <sys/epoll.h>
        #include <sys/fanotify.h>
        #include <sys/fsuid.h>
        #include <sys/mman.h>
        #include <sys/resource.h>
        #include <sys/select.h>
        #include <sys/sem.h>
        #include <sys/sendfile.h>
        #include <sys/socket.h>
        #include <sys/stat.h>
        #include <sys/statfs.h>
        #include <sys/syscall.h>
        #include <sys/sysinfo.h>
        #include <sys/time.h>
        #include <sys/timerfd.h>
        #include <sys/times.h>
        #include <sys/timex.h>
        #include <sys/uio.h>
        #include <sys/utsname.h>
        #include <sys/wait.h>
        #include <time.h>
        #include <unistd.h>
        #include <utime.h>

        #define OFF ((5LL << 32) | 7)
        #define LEN ((3LL << 32) | 11)
        #define MOFF (5LL << 32)
        #define MASK ((1ULL << 32) | FAN_ACCESS)
        #define TIMER ((timer_t)(intptr_t)12345)
        /* preadv's pos_h as glibc passes it: the high half, but 0 on x86_64 (its LO_HI_LONG); a 64-bit kernel ignores it. */
        #ifdef __x86_64__
        #define POS_H 0L
        #else
        #define POS_H ((long)((uint64_t)OFF >> 32))
        #endif
        /* The kernel's sigset_t, which glibc passes the size of: 128 signals on MIPS, 64 elsewhere. */
        #ifdef __mips__
        #define SIGSZ 16
        #else
        #define SIGSZ 8
        #endif
        #define LO(v) ((long)(int32_t)(uint32_t)(uint64_t)(v))
        #define HI(v) ((long)(int32_t)(uint32_t)((uint64_t)(v) >> 32))

        int main(void)
        {
            static char buf[64] = "kexecgen";
            struct iovec iov = { buf, 16 };
            loff_t loff = OFF, loff2 = LEN;
            off_t soff = OFF;
            uid_t me = getuid(), ru0, ru1, ru2;
            gid_t mg = getgid(), rg0, rg1, rg2;
            gid_t groups[64], groups2[64];
            int ngroups = getgroups(64, groups);
            struct timespec zero = { 0, 0 }, tiny = { 0, 1 }, ts, times2[2] = { { 1, 2 }, { 3, 4 } };
            struct timeval tv2[2] = { { 1, 2 }, { 3, 4 } }, tvs = { 0, 0 }, tvg;
            struct itimerspec its = { { 0, 0 }, { 0, 0 } }, oits;
            struct itimerval itv = { { 0, 0 }, { 0, 0 } }, oitv;
            struct utimbuf ub = { 1, 2 };
            struct timex tx = { 0 };
            time_t tt;
            struct epoll_event ev;
            struct sembuf sb = { 0, 0, IPC_NOWAIT };
            struct mmsghdr mm = { 0 };
            sigset_t set, oset;
            siginfo_t info;
            struct sigaction oact;
            struct utsname u;
            struct sysinfo si;
            struct tms tm;
            struct statfs sfs;
            struct stat st;
            struct statx stx;
            struct rlimit rl, rl2;
            struct rusage rus;
            struct sched_param sp;
            cpu_set_t cpus;
            struct { const sigset_t *set; size_t size; } sigdata = { 0, SIGSZ };
            sigemptyset(&set);
            getrlimit(RLIMIT_NOFILE, &rl);

        """;

    // The ABIs of the root arches.yaml this machine runs and links glibc for.
    private static IEnumerable<string> Runnable => Repo.Arches.Abis.Where(a => a.Gcc is { Run: not null, Libc: not null }).Select(a => a.Name);

    public static TheoryData<string> Abis => new(Runnable);

    [Fact]
    public void I386AndArm_AreAmongTheAbisCompared() => Assert.Superset(new HashSet<string> { "i386", "arm" }, Runnable.ToHashSet());

    [Theory]
    [MemberData(nameof(Abis))]
    public void EachStubsRegisters_MakeTheSyscallGlibcsWrapperMakes(string abiName)
    {
        var abi = Repo.Arches.Abis.Single(a => a.Name == abiName);
        var gcc = abi.Gcc!;
        var model = FullTableBindings.Instance.Built.Model ?? throw new InvalidOperationException("the whole table does not build");
        bool wide = FullTableBindings.Instance.Scanned.Single(s => s.Abi == abiName).PointerSize == 8;

        // One pair per (wrapper, stub): glibc's call, then the twin where the stub calls a row here.
        var pairs = new List<(Wrapper Wrapper, string Syscall, SyscallModel? Model, AbiCallModel? Call, string? Twin)>();
        foreach (var w in Wrappers)
        {
            foreach (var name in w.Syscalls)
            {
                var syscall = model.Syscalls.SingleOrDefault(s => s.Name == name);
                var call = syscall?.Calls.Single(c => c.Abi == abiName);
                string? twin = null;
                if (syscall is not null && call!.Number is not null && call.Registers.Count <= SyscallArguments.MaxRegisters)
                {
                    Assert.True(syscall.Args.Count == w.Twin.Length,
                        $"{name}'s twin gives {w.Twin.Length} arguments; the stub takes {string.Join(", ", syscall.Args.Select(a => a.Type + " " + a.CName))}");
                    var registers = call.Registers.Select(r => Register(r, syscall, w.Twin));
                    twin = $"syscall({call.Number.Value.ToString(CultureInfo.InvariantCulture)}L{string.Concat(registers.Select(r => ", " + r))})";
                }
                pairs.Add((w, name, syscall, call, twin));
            }
        }

        var c = new StringBuilder(Prelude);
        for (int i = 0; i < pairs.Count; i++)
        {
            c.Append($"    close({1000 + 2 * i}); (void){pairs[i].Wrapper.Glibc};\n");
            c.Append($"    close({1001 + 2 * i}); {(pairs[i].Twin is { } t ? $"(void){t};" : "")}\n");
        }
        c.Append($"    close({1000 + 2 * pairs.Count});\n    return 0;\n}}\n");

        var segments = StraceRun.Segments(abi, c.ToString(), 2 * pairs.Count);

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        var notes = new List<string>();
        for (int i = 0; i < pairs.Count; i++)
        {
            var (wrapper, name, syscall, call, twin) = pairs[i];
            var glibc = segments[2 * i];
            var made = segments[2 * i + 1];
            string what = $"{name} ({wrapper.Glibc})";
            string outcome;
            if (call?.Called is null)
            {
                // No row of that name here (or none in any table, for another ABI's name).
                outcome = "absent";
            }
            else if (call.Number is null)
            {
                outcome = "refused";
                // Refused is the safe side: the stub answers ENOSYS, and a build is warned why (KXG020, KXG021) with the
                // function the row runs. glibc may still call the row (sparc64's setfsuid runs sys_setfsuid16, which
                // keeps 16 bits of the uid): that is listed, for a person to judge, not taken for an error.
                var said = Said(name, abiName);
                if (!said.Contains("KXG020", StringComparison.Ordinal) && !said.Contains("KXG021", StringComparison.Ordinal))
                {
                    failures.Add($"{abiName}: {what} is refused (row {call.Called}) without a warning saying why");
                }
                if (glibc.Any(l => l.Name == call.Called)) notes.Add($"{what}: refused ({said}), yet glibc makes {StraceRun.Lines(glibc)}");
            }
            else if (twin is null)
            {
                outcome = "unbuilt";
                notes.Add($"{what}: {call.Called} takes {call.Registers.Count} registers, more than libc's syscall() passes");
            }
            else if (made.Count != 1)
            {
                outcome = "differs";
                failures.Add($"{abiName}: the twin of {what} ({twin}) made {made.Count} syscalls: {StraceRun.Lines(made)}");
            }
            else if (made[0].Name.StartsWith("unknown ", StringComparison.Ordinal))
            {
                // Nothing to compare: qemu does not run that row here (glibc's wrapper falls back to another).
                outcome = "qemu lacks";
                notes.Add($"{what}: qemu does not implement the stub's {call.Called} ({made[0].Text}); glibc made {StraceRun.Lines(glibc)}");
            }
            else if (glibc.Count == 0)
            {
                outcome = "glibc none";
                failures.Add($"{abiName}: glibc's {wrapper.Glibc} made no syscall; the twin made {made[0].Text}");
            }
            else if (glibc.Where(l => l.Name == made[0].Name).ToList() is { Count: > 0 } same)
            {
                var verdicts = same.Select(l => Compare(l, made[0], syscall!, call, wrapper.Own, wide)).ToList();
                if (verdicts.Contains("same")) outcome = "same";
                else if (verdicts.Contains("own")) outcome = "same, glibc's buffer";
                else
                {
                    outcome = "differs";
                    failures.Add($"{abiName}: {what}: the stub's {call.Called} ({Signature(syscall!, call)})\n"
                        + $"    glibc: {StraceRun.Lines(same)}\n    twin:  {made[0].Text}");
                }
            }
            else
            {
                outcome = "glibc another row";
                var picked = glibc.Select(l => l.Name).Distinct().ToList();
                notes.Add($"{what}: the stub calls {made[0].Name}, glibc {string.Join(", ", picked)}");
                // glibc avoids a row for its types: the stub must not be left calling one whose function keeps a 32-bit
                // time or a 16-bit id where the other ABIs' keep more (the stub's parameters would say more than it
                // passes). A row whose function takes what the stub's parameters say (i386's ftruncate: unsigned long,
                // a nuint; statfs: the ABI's own struct statfs) is right as it stands, though glibc prefers the *64 one.
                var runs = FullTableBindings.Instance.Runs(abiName, call.Called);
                if (runs.EndsWith("_time32", StringComparison.Ordinal) || runs.EndsWith("16", StringComparison.Ordinal))
                {
                    failures.Add($"{abiName}: {what}: the stub calls {made[0].Name}, which runs {runs} ({Signature(syscall!, call)}): {made[0].Text}; glibc avoids it for {string.Join(", ", picked)}: {StraceRun.Lines(glibc)}");
                }
            }
            counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine($"{abiName}: {pairs.Count} (wrapper, stub) pairs: {string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}");
        foreach (var n in notes) output.WriteLine("  " + n);
        foreach (var f in failures) output.WriteLine("FAIL " + f);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        if (abiName is "i386" or "arm") Assert.True(counts.GetValueOrDefault("same") >= 40, $"{abiName}: only {counts.GetValueOrDefault("same")} pairs compared the same");
    }

    // The stub's C# parameters and the registers it fills from them, for messages.
    private static string Signature(SyscallModel syscall, AbiCallModel call) =>
        $"{string.Join(", ", syscall.Args.Select(a => a.Type + " " + a.CName))} -> {string.Join(" ", call.Registers.Select(r => r.Kind + (r.Arg is null ? "" : ":" + r.Arg)))}";

    // One register of the twin, as the C# stub fills it: a whole argument widened from its C# type (sign-extended
    // from a signed one, zero-extended from an unsigned one), a 64-bit one's halves, or padding.
    private static string Register(RegisterModel register, SyscallModel syscall, string[] twin)
    {
        if (register.Kind == RegisterModel.Pad) return "0L";
        int index = syscall.Args.Select(a => a.Name).ToList().IndexOf(register.Arg!);
        var value = twin[index];
        if (register.Kind == RegisterModel.Low) return $"LO({value})";
        if (register.Kind == RegisterModel.High) return $"HI({value})";
        var type = register.Underlying ?? register.Type!;
        if (type.EndsWith('*')) return $"(long)({value})";
        return type switch
        {
            "sbyte" => $"(long)(int8_t)({value})",
            "byte" => $"(long)(uint8_t)({value})",
            "short" => $"(long)(int16_t)({value})",
            "ushort" => $"(long)(uint16_t)({value})",
            "int" => $"(long)(int32_t)({value})",
            "uint" => $"(long)(uint32_t)({value})",
            "long" or "ulong" or "nint" or "nuint" => $"(long)(long long)({value})",
            _ => throw new InvalidOperationException($"{syscall.Name}: no C widening of {type}"),
        };
    }

    // glibc's line against the twin's: every argument the stub passes (qemu prints the rest of the registers raw,
    // whatever they hold). On a 64-bit ABI a 32-bit argument's upper half is whatever glibc's register held (the kernel
    // reads the low half), so two printed numbers agree there if their low halves do. "own": equal but for the
    // pointers to glibc's own buffers.
    private static string Compare(StraceLine glibc, StraceLine twin, SyscallModel syscall, AbiCallModel call, int[] own, bool wide)
    {
        bool ownUsed = false;
        for (int k = 0; k < Math.Min(twin.Args.Count, call.Registers.Count); k++)
        {
            if (k >= glibc.Args.Count) return "differs";
            var (a, b) = (glibc.Args[k], twin.Args[k]);
            if (a == b) continue;
            var r = call.Registers[k];
            if (wide && r.Kind == RegisterModel.Whole && (r.Underlying ?? r.Type) is "int" or "uint" && Number(a) is { } x && Number(b) is { } y && (uint)x == (uint)y) continue;
            int arg = r.Arg is null ? -1 : syscall.Args.Select(x => x.Name).ToList().IndexOf(r.Arg);
            if (arg >= 0 && own.Contains(arg) && a is not ("0" or "NULL") && b is not ("0" or "NULL"))
            {
                ownUsed = true;
                continue;
            }
            return "differs";
        }
        return ownUsed ? "own" : "same";
    }

    private static ulong? Number(string text) =>
        text == "AT_FDCWD" ? unchecked((ulong)-100L)
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? (ulong)s
        : ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var u) ? u
        : text.StartsWith("0x", StringComparison.Ordinal) && ulong.TryParse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : null;
}
