using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KexecGen.CatalogueProbe.Calls;

// Makes the catalogue's calls through the generated stubs and structs, and prints what came back, one "key value" line
// each, in the order and form of catalogue.c, its C twin: CatalogueProbeTests runs both on one ABI and compares them.
// The first argument is a file for statx.
if (args.Length != 1) return 2;
var output = new StringBuilder();
void Line(string key, object value) => output.Append(key).Append(' ').Append(value).Append('\n');

unsafe
{
    // Every record's size as .NET lays out the generated struct.
    Line("sizeof statx", sizeof(Statx));
    Line("sizeof new_utsname", sizeof(UtsName));
    Line("sizeof sysinfo", sizeof(SystemInfo));
    Line("sizeof rlimit64", sizeof(ResourceLimit64));
    Line("sizeof __kernel_timespec", sizeof(KernelTimespec));
    Line("sizeof epoll_event", sizeof(EpollEvent));
    Line("sizeof io_uring_params", sizeof(IoUringParams));
    Line("sizeof clone_args", sizeof(CloneArgs));
    Line("sizeof open_how", sizeof(OpenHow));
    Line("sizeof sched_attr", sizeof(SchedAttr));
    Line("sizeof mount_attr", sizeof(MountAttr));
    Line("sizeof landlock_ruleset_attr", sizeof(LandlockRulesetAttr));
    Line("sizeof seccomp_data", sizeof(SeccompData));
    Line("sizeof iovec", sizeof(IoVector));
    Line("sizeof bpf_attr", sizeof(BpfAttr));
    Line("sizeof perf_event_attr", sizeof(PerfEventAttr));
    Line("sizeof inotify_event", sizeof(InotifyEvent));
    Line("sizeof fiemap", sizeof(Fiemap));
    EpollEvent epoll = default;
    Line("offsetof epoll_event.data", (byte*)&epoll.Data - (byte*)&epoll);

    UtsName uts;
    Check(Syscalls.Uname(&uts), "uname");
    Line("uname.sysname", Text(uts.Sysname));
    Line("uname.release", Text(uts.Release));
    Line("uname.machine", Text(uts.Machine));

    SystemInfo info;
    Check(Syscalls.Sysinfo(&info), "sysinfo");
    Line("sysinfo.totalram", info.Totalram);
    Line("sysinfo.totalswap", info.Totalswap);
    Line("sysinfo.mem_unit", info.MemUnit);

    ResourceLimit64 limit;
    Check(Syscalls.Prlimit64(0, 7 /* RLIMIT_NOFILE */, null, &limit), "prlimit64");
    Line("rlimit.cur", limit.RlimCur);
    Line("rlimit.max", limit.RlimMax);

    Statx stx;
    var path = Encoding.UTF8.GetBytes(args[0] + "\0");
    fixed (byte* p = path)
    {
        Check(Syscalls.Statx(Flags.AT_FDCWD, p, 0, (uint)(Flags.STATX_BASIC_STATS | Flags.STATX_BTIME), &stx), "statx");
    }
    Line("statx.size", stx.StxSize);
    Line("statx.ino", stx.StxIno);
    Line("statx.mode", stx.StxMode);
    Line("statx.nlink", stx.StxNlink);
    Line("statx.uid", stx.StxUid);
    Line("statx.blksize", stx.StxBlksize);
    Line("statx.mtime", $"{stx.StxMtime.TvSec}.{stx.StxMtime.TvNsec:D9}");

    KernelTimespec now;
    Check(Syscalls.ClockGetTime(0 /* CLOCK_REALTIME */, &now), "clock_gettime");
    Line("clock.realtime_ok", now.TvSec > 1_600_000_000 && now.TvNsec is >= 0 and < 1_000_000_000 ? 1 : 0);

    // Bit-fields set through the generated properties, shown as the bytes the kernel would read.
    PerfEventAttr attr = default;
    attr.Size = (uint)sizeof(PerfEventAttr);
    attr.Disabled = 1;
    attr.ExcludeKernel = 1;
    attr.ExcludeHv = 1;
    attr.PreciseIp = 2;
    attr.SampleIdAll = 1;
    Line("perf_event_attr.flags", Convert.ToHexString(new ReadOnlySpan<byte>((byte*)&attr + 40, 8)));
    Line("perf_event_attr.precise_ip", attr.PreciseIp);

    // A flexible array: inotify_event's name follows the 16-byte head.
    var buffer = new byte[sizeof(InotifyEvent) + 8];
    fixed (byte* b = buffer)
    {
        ref var head = ref Unsafe.AsRef<InotifyEvent>(b);
        head.Len = 8;
        "probe\0\0\0"u8.CopyTo(head.Name(8));
        Line("inotify_event.name_at", (byte*)Unsafe.AsPointer(ref head.Name(8)[0]) - b);
    }
}
Line("ioctl.BLKGETSIZE64", "0x" + Ioctls.BLKGETSIZE64.ToString("x"));
Line("ioctl.TIOCGWINSZ", "0x" + Ioctls.TIOCGWINSZ.ToString("x"));
Line("ioctl.FS_IOC_GETFLAGS", "0x" + Ioctls.FS_IOC_GETFLAGS.ToString("x"));
Line("ioctl.UFFDIO_API", "0x" + Ioctls.UFFDIO_API.ToString("x"));
Line("abi", RuntimeInformation.ProcessArchitecture);
Console.Write(output.ToString());
return 0;

static string Text(ReadOnlySpan<byte> text) => Encoding.UTF8.GetString(text[..Math.Max(0, text.IndexOf((byte)0))]);

static void Check(nint result, string call)
{
    if (result < 0) throw new InvalidOperationException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
}
