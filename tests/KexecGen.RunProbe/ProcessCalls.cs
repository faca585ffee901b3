using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.ProcessFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Who this process is and what it may use: each answer held to /proc, .NET or a second call. Nothing is changed but this thread's name, restored.</summary>
internal static unsafe class ProcessCalls
{
    /// <summary>The calls.</summary>
    public static void Run()
    {
        Check("getpid", Getpid() == Environment.ProcessId, $"getpid answered {Getpid()}, .NET says {Environment.ProcessId}");
        Check("getppid", Getppid() == StatField(4), $"getppid answered {Getppid()}, /proc says {StatField(4)}");
        // Top-level statements run on the main thread, whose id is the process's.
        Check("gettid", Gettid() == Environment.ProcessId, $"gettid on the main thread answered {Gettid()}");
        Check("getpgid", Getpgid(0) == StatField(5) && Getpgid(Environment.ProcessId) == StatField(5), $"getpgid answered {Getpgid(0)}");
        Fails("getpgid", Getpgid(-1), Errno.ESRCH, "getpgid(-1)");
        Check("getsid", Getsid(0) == StatField(6), $"getsid answered {Getsid(0)}");
        Fails("getsid", Getsid(-1), Errno.ESRCH, "getsid(-1)");

        var uid = StatusField("Uid").Select(long.Parse).ToArray(); // real, effective, saved, filesystem
        var gid = StatusField("Gid").Select(long.Parse).ToArray();
        Check("getuid", Getuid() == uid[0], $"getuid answered {Getuid()}");
        Check("geteuid", Geteuid() == uid[1], $"geteuid answered {Geteuid()}");
        Check("getgid", Getgid() == gid[0], $"getgid answered {Getgid()}");
        Check("getegid", Getegid() == gid[1], $"getegid answered {Getegid()}");
        uint r, e, s;
        Check("getresuid", Getresuid(&r, &e, &s) == 0 && r == uid[0] && e == uid[1] && s == uid[2], $"getresuid: {r} {e} {s}");
        Check("getresgid", Getresgid(&r, &e, &s) == 0 && r == gid[0] && e == gid[1] && s == gid[2], $"getresgid: {r} {e} {s}");
        Fails("getresuid", Getresuid((void*)8, &e, &s), Errno.EFAULT, "getresuid into address 8");
        var groups = StatusField("Groups").Select(uint.Parse).ToArray();
        var list = new uint[64];
        fixed (uint* g = list)
        {
            nint count = Getgroups(0, null);
            Check("getgroups", count == groups.Length && Getgroups(64, g) == count && list.Take((int)count).Order().SequenceEqual(groups.Order()), $"getgroups counted {count}, /proc lists {groups.Length}");
            Fails("getgroups", Getgroups(-1, g), Errno.EINVAL, "getgroups of a negative size");
        }

        // getpriority answers 20 - nice, so that no answer is negative.
        Check("getpriority", Getpriority(PRIO_PROCESS, 0) == 20 - StatField(19), $"getpriority answered {Getpriority(PRIO_PROCESS, 0)}, nice is {StatField(19)}");
        Fails("getpriority", Getpriority(12345, 0), Errno.EINVAL, "getpriority of an unknown kind");

        var name = new byte[16];
        fixed (byte* n = name)
        {
            Check("prctl", Prctl(PR_GET_NAME, (ulong)n, 0, 0, 0) == 0, "PR_GET_NAME");
            var old = Text(name);
            Check("prctl", Prctl(PR_SET_NAME, (ulong)Z("run-probe-main"), 0, 0, 0) == 0 && File.ReadAllText("/proc/thread-self/comm").TrimEnd('\n') == "run-probe-main",
                "PR_SET_NAME is not what /proc reads");
            name.AsSpan().Clear();
            Check("prctl", Prctl(PR_GET_NAME, (ulong)n, 0, 0, 0) == 0 && Text(name) == "run-probe-main", "PR_GET_NAME after PR_SET_NAME");
            Prctl(PR_SET_NAME, (ulong)Z(old), 0, 0, 0);
            Fails("prctl", Prctl(-1, 0, 0, 0, 0), Errno.EINVAL, "prctl of an unknown option");
        }

        UtsName uts;
        string machine = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64" : "x86_64";
        Check("uname", Uname(&uts) == 0 && Text(uts.Sysname) == "Linux" && Text(uts.Machine) == machine
            && Text(uts.Release) == File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), $"uname: {Text(uts.Sysname)} {Text(uts.Release)} {Text(uts.Machine)}");
        Fails("uname", Uname((UtsName*)8), Errno.EFAULT, "uname into address 8");

        SystemInfo info;
        long memTotal = long.Parse(File.ReadAllLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Check("sysinfo", Sysinfo(&info) == 0 && (long)(info.Totalram * info.MemUnit) == memTotal * 1024 && info.Uptime > 0 && info.Procs > 0,
            $"sysinfo: totalram {info.Totalram} x {info.MemUnit}, /proc/meminfo {memTotal} kB");

        ResourceUsage usage;
        Check("getrusage", Getrusage(RUSAGE_SELF, &usage) == 0 && usage.RuMaxrss > 0 && usage.RuUtime.TvUsec is >= 0 and < 1_000_000, $"getrusage: maxrss {usage.RuMaxrss}");
        Fails("getrusage", Getrusage(12345, &usage), Errno.EINVAL, "getrusage of an unknown kind");
        ProcessTimes times;
        nint ticks = Times(&times);
        Check("times", ticks > 0 && times.TmsUtime >= 0 && times.TmsCutime == 0, $"times answered {ticks}, children's time {times.TmsCutime}");

        // The open-file limit, from prlimit64, getrlimit and /proc: none is changed.
        var limits = File.ReadAllLines("/proc/thread-self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ulong soft = ulong.Parse(limits[3], CultureInfo.InvariantCulture), hard = ulong.Parse(limits[4], CultureInfo.InvariantCulture);
        ResourceLimit64 limit64;
        Check("prlimit64", Prlimit64(0, RLIMIT_NOFILE, null, &limit64) == 0 && limit64.RlimCur == soft && limit64.RlimMax == hard, $"prlimit64: {limit64.RlimCur} {limit64.RlimMax}, /proc {soft} {hard}");
        Fails("prlimit64", Prlimit64(0, 12345, null, &limit64), Errno.EINVAL, "prlimit64 of an unknown resource");
        ResourceLimit limit;
        Check("getrlimit", Getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.RlimCur == soft && limit.RlimMax == hard, $"getrlimit: {limit.RlimCur} {limit.RlimMax}");
        Fails("getrlimit", Getrlimit(12345, &limit), Errno.EINVAL, "getrlimit of an unknown resource");

        // 0xffffffff asks for the persona without setting it; PER_LINUX is 0.
        nint persona = Personality(0xffffffff);
        Check("personality", persona >= 0 && (persona & 0xff) == 0 && Personality(0xffffffff) == persona, $"personality answered {persona:x}");

        var header = new CapabilityHeader { Version = _LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc CapabilityData[2];
        ulong effective = ulong.Parse(StatusField("CapEff")[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Check("capget", Capget(&header, data) == 0 && data[0].Effective == (uint)effective && data[1].Effective == (uint)(effective >> 32), $"capget: {data[1].Effective:x}{data[0].Effective:x8}, /proc {effective:x}");
        header.Version = 0x12345678;
        Fails("capget", Capget(&header, data), Errno.EINVAL, "capget of an unknown version");
        Check("capget", header.Version == _LINUX_CAPABILITY_VERSION_3, $"capget did not answer its version in the header: {header.Version:x}");

        Sched();
    }

    private static void Sched()
    {
        var mask = stackalloc ulong[16];
        nint size = SchedGetaffinity(0, 128, mask);
        int cpus = 0;
        for (int i = 0; i < 16; i++) cpus += BitOperations.PopCount(mask[i]);
        Check("sched_getaffinity", size > 0 && size % 8 == 0 && cpus >= 1 && cpus == AllowedCpus(), $"sched_getaffinity answered {size}, {cpus} CPUs, /proc {AllowedCpus()}");
        Fails("sched_getaffinity", SchedGetaffinity(0, 3, mask), Errno.EINVAL, "sched_getaffinity into 3 bytes");
        uint cpu = uint.MaxValue, node = uint.MaxValue;
        Check("getcpu", Getcpu(&cpu, &node, null) == 0 && cpu < 1024 && (mask[cpu / 64] >> (int)(cpu % 64) & 1) == 1, $"getcpu answered {cpu}, not in the affinity mask");
        Check("sched_yield", SchedYield() == 0, "sched_yield");
        Check("sched_getscheduler", SchedGetscheduler(0) == StatField(41), $"sched_getscheduler answered {SchedGetscheduler(0)}, /proc {StatField(41)}");
        Fails("sched_getscheduler", SchedGetscheduler(-1), Errno.EINVAL, "sched_getscheduler(-1)");
        int priority = -1; // struct sched_param is one int, its rt_priority: /proc stat field 40
        Check("sched_getparam", SchedGetparam(0, &priority) == 0 && priority == StatField(40),
            $"sched_getparam: priority {priority}");
        Fails("sched_getparam", SchedGetparam(-1, &priority), Errno.EINVAL, "sched_getparam(-1)");
        Check("sched_get_priority_max", SchedGetPriorityMax(SCHED_FIFO) == 99 && SchedGetPriorityMax(SCHED_NORMAL) == 0, "sched_get_priority_max");
        Check("sched_get_priority_min", SchedGetPriorityMin(SCHED_RR) == 1 && SchedGetPriorityMin(SCHED_NORMAL) == 0, "sched_get_priority_min");
        Fails("sched_get_priority_max", SchedGetPriorityMax(12345), Errno.EINVAL, "sched_get_priority_max of an unknown policy");
        Fails("sched_get_priority_min", SchedGetPriorityMin(12345), Errno.EINVAL, "sched_get_priority_min of an unknown policy");
        KernelTimespec slice;
        Check("sched_rr_get_interval", SchedRrGetInterval(0, &slice) == 0 && slice.TvSec >= 0 && slice.TvNsec is >= 0 and < 1_000_000_000, "sched_rr_get_interval");
        Fails("sched_rr_get_interval", SchedRrGetInterval(-1, &slice), Errno.EINVAL, "sched_rr_get_interval(-1)");
        SchedAttr attr;
        Check("sched_getattr", SchedGetattr(0, &attr, (uint)sizeof(SchedAttr), 0) == 0 && attr.Size == sizeof(SchedAttr) && attr.SchedPolicy == StatField(41) && attr.SchedNice == StatField(19),
            $"sched_getattr: size {attr.Size}, policy {attr.SchedPolicy}, nice {attr.SchedNice}");
        Fails("sched_getattr", SchedGetattr(0, &attr, 8, 0), Errno.EINVAL, "sched_getattr into 8 bytes");
    }

    // The CPUs this thread may run on, from /proc's Cpus_allowed_list ("0-1,4").
    private static int AllowedCpus() => StatusField("Cpus_allowed_list")[0].Split(',').Sum(part =>
        part.Split('-') is [var first, var last] ? int.Parse(last, CultureInfo.InvariantCulture) - int.Parse(first, CultureInfo.InvariantCulture) + 1 : 1);
}
