using System;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.EventFlags;
using static KexecGen.RunProbe.Calls.FileFlags;
using static KexecGen.RunProbe.Calls.ProcessFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Clocks and timers, read and slept on; the machine's time is never set.</summary>
internal static unsafe class TimeCalls
{
    private const long Million = 1_000_000, Billion = 1_000_000_000;

    /// <summary>The calls.</summary>
    public static void Run()
    {
        KernelTimespec start, end, resolution, real;
        Check("clock_gettime", ClockGettime(CLOCK_MONOTONIC, &start) == 0 && start.TvNsec is >= 0 and < Billion, "clock_gettime MONOTONIC");
        Fails("clock_gettime", ClockGettime(12345, &start), Errno.EINVAL, "clock_gettime of an unknown clock");
        Check("clock_gettime", ClockGettime(CLOCK_REALTIME, &real) == 0 && Math.Abs(real.TvSec - DateTimeOffset.UtcNow.ToUnixTimeSeconds()) <= 5, $"CLOCK_REALTIME {real.TvSec} is not .NET's time");
        Check("clock_getres", ClockGetres(CLOCK_MONOTONIC, &resolution) == 0 && resolution.TvSec == 0 && resolution.TvNsec is > 0 and <= Million, $"clock_getres: {resolution.TvNsec} ns");
        Fails("clock_getres", ClockGetres(12345, &resolution), Errno.EINVAL, "clock_getres of an unknown clock");

        var nap = new KernelTimespec { TvNsec = 2 * Million };
        ClockGettime(CLOCK_MONOTONIC, &start);
        Check("nanosleep", Nanosleep(&nap, null) == 0, "nanosleep of 2 ms");
        ClockGettime(CLOCK_MONOTONIC, &end);
        Check("nanosleep", Nanos(end) - Nanos(start) >= 2 * Million, $"nanosleep of 2 ms took {Nanos(end) - Nanos(start)} ns");
        Check("clock_gettime", Nanos(end) > Nanos(start), "CLOCK_MONOTONIC did not increase");
        nap.TvNsec = Billion;
        Fails("nanosleep", Nanosleep(&nap, null), Errno.EINVAL, "nanosleep of 10^9 ns");

        var until = new KernelTimespec { TvSec = end.TvSec + (end.TvNsec + 3 * Million) / Billion, TvNsec = (end.TvNsec + 3 * Million) % Billion };
        Check("clock_nanosleep", ClockNanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, null) == 0 && ClockGettime(CLOCK_MONOTONIC, &start) == 0 && Nanos(start) >= Nanos(until),
            "clock_nanosleep until 3 ms later woke early");
        // The raw syscall answers its error as the others do; glibc's wrapper alone returns it instead.
        Fails("clock_nanosleep", ClockNanosleep(12345, 0, &until, null), Errno.EINVAL, "clock_nanosleep of an unknown clock");

        KernelOldTimeval now;
        Calls.TimeZone zone;
        Check("gettimeofday", Gettimeofday(&now, &zone) == 0 && now.TvUsec is >= 0 and < Million && Math.Abs(now.TvSec - real.TvSec) <= 5, $"gettimeofday: {now.TvSec}, CLOCK_REALTIME {real.TvSec}");
        Fails("gettimeofday", Gettimeofday((KernelOldTimeval*)8, null), Errno.EFAULT, "gettimeofday into address 8");

        KernelOldItimerval itimer;
        itimer.ItValue.TvSec = -1;
        Check("getitimer", Getitimer(ITIMER_REAL, &itimer) == 0 && itimer.ItValue.TvSec == 0 && itimer.ItValue.TvUsec == 0, "getitimer: ITIMER_REAL is armed, or was not read");
        Fails("getitimer", Getitimer(12345, &itimer), Errno.EINVAL, "getitimer of an unknown timer");

        // A timerfd armed for 1 ms: it reads back armed, then expires once.
        int tfd = (int)TimerfdCreate(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        Check("timerfd_create", tfd >= 0, "timerfd_create");
        Fails("timerfd_create", TimerfdCreate(12345, 0), Errno.EINVAL, "timerfd_create of an unknown clock");
        var arm = new KernelItimerspec { ItValue = new KernelTimespec { TvSec = 0, TvNsec = 50 * Million } };
        KernelItimerspec previous, left;
        previous.ItValue.TvSec = -1;
        Check("timerfd_settime", TimerfdSettime(tfd, 0, &arm, &previous) == 0 && previous.ItValue.TvSec == 0 && previous.ItValue.TvNsec == 0, "timerfd_settime: it was armed before");
        Check("timerfd_gettime", TimerfdGettime(tfd, &left) == 0 && left.ItValue.TvSec == 0 && left.ItValue.TvNsec is > 0 and <= 50 * Million, $"timerfd_gettime: {left.ItValue.TvNsec} ns left");
        ulong expirations = 0;
        Fails("read", Read((uint)tfd, (byte*)&expirations, 8), Errno.EAGAIN, "read of a timerfd not yet expired");
        var poll = new PollFd { Fd = tfd, Events = POLLIN };
        var wait = new KernelTimespec { TvSec = 5 };
        Check("timerfd_settime", Ppoll(&poll, 1, &wait, null, 8) == 1 && Read((uint)tfd, (byte*)&expirations, 8) == 8 && expirations == 1, $"the timerfd expired {expirations} times");
        Check("timerfd_gettime", TimerfdGettime(tfd, &left) == 0 && left.ItValue.TvSec == 0 && left.ItValue.TvNsec == 0, "timerfd_gettime after expiry");
        arm.ItValue.TvNsec = Billion;
        Fails("timerfd_settime", TimerfdSettime(tfd, 0, &arm, null), Errno.EINVAL, "timerfd_settime of 10^9 ns");
        Fails("timerfd_gettime", TimerfdGettime(-1, &left), Errno.EBADF, "timerfd_gettime of fd -1");
        Close((uint)tfd);
    }

    private static long Nanos(KernelTimespec t) => t.TvSec * Billion + t.TvNsec;
}
