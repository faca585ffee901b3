using System;
using System.IO;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.EventFlags;
using static KexecGen.RunProbe.Calls.FileFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Readiness and waiting: eventfd, epoll, ppoll, pselect6, inotify and futex, on descriptors and memory of this process.</summary>
internal static unsafe class EventCalls
{
    /// <summary>The calls.</summary>
    public static void Run(string work)
    {
        ulong value = 0;
        int efd = (int)Eventfd2(3, EFD_CLOEXEC | EFD_NONBLOCK);
        Check("eventfd2", efd >= 0 && Read((uint)efd, (byte*)&value, 8) == 8 && value == 3, $"eventfd2(3) read {value}");
        Fails("read", Read((uint)efd, (byte*)&value, 8), Errno.EAGAIN, "read of an eventfd at 0");
        value = 5;
        Check("eventfd2", Write((uint)efd, (byte*)&value, 8) == 8 && Read((uint)efd, (byte*)&value, 8) == 8 && value == 5, "write 5 to an eventfd, read it back");
        Close((uint)efd);
        int semaphore = (int)Eventfd2(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
        Check("eventfd2", Read((uint)semaphore, (byte*)&value, 8) == 8 && value == 1 && Read((uint)semaphore, (byte*)&value, 8) == 8 && value == 1
            && Read((uint)semaphore, (byte*)&value, 8) == -1, "an EFD_SEMAPHORE eventfd of 2 reads 1, 1, then nothing");
        Close((uint)semaphore);
        Fails("eventfd2", Eventfd2(0, 0x1000000), Errno.EINVAL, "eventfd2 with an unknown flag");

        // epoll: a pipe, empty and then readable, with the caller's data coming back.
        var pipe = stackalloc int[2];
        Pipe2(pipe, O_CLOEXEC | O_NONBLOCK);
        int epoll = (int)EpollCreate1(EPOLL_CLOEXEC);
        Check("epoll_create1", epoll >= 0 && Fcntl((uint)epoll, F_GETFD, 0) == FD_CLOEXEC, "epoll_create1");
        Fails("epoll_create1", EpollCreate1(1), Errno.EINVAL, "epoll_create1 with an unknown flag");
        var watch = new EpollEvent { Events = EPOLLIN, Data = 0x1234_5678_9abc_def0 };
        Check("epoll_ctl", EpollCtl(epoll, EPOLL_CTL_ADD, pipe[0], &watch) == 0, "EPOLL_CTL_ADD");
        Fails("epoll_ctl", EpollCtl(epoll, EPOLL_CTL_ADD, pipe[0], &watch), Errno.EEXIST, "EPOLL_CTL_ADD twice");
        var events = stackalloc EpollEvent[4];
        Check("epoll_pwait", EpollPwait(epoll, events, 4, 0, null, 8) == 0, "epoll_pwait saw an empty pipe readable");
        byte one = 1;
        Write((uint)pipe[1], &one, 1);
        nint ready = EpollPwait(epoll, events, 4, 5000, null, 8);
        Check("epoll_pwait", ready == 1 && (events[0].Events & EPOLLIN) != 0 && events[0].Data == 0x1234_5678_9abc_def0, $"epoll_pwait answered {ready}, data {events[0].Data:x}");
        Fails("epoll_pwait", EpollPwait(epoll, events, 0, 0, null, 8), Errno.EINVAL, "epoll_pwait of 0 events");

        // ppoll and pselect6 see the same byte; with nothing to read, they time out at once.
        var poll = new PollFd { Fd = pipe[0], Events = POLLIN };
        var zero = new KernelTimespec();
        Check("ppoll", Ppoll(&poll, 1, &zero, null, 8) == 1 && (poll.Revents & POLLIN) != 0, $"ppoll: revents {poll.Revents}");
        var set = stackalloc ulong[16]; // fd_set: 1024 bits
        set[pipe[0] / 64] |= 1UL << (pipe[0] % 64);
        Check("pselect6", Pselect6(pipe[0] + 1, set, null, null, &zero, null) == 1 && (set[pipe[0] / 64] & (1UL << (pipe[0] % 64))) != 0, "pselect6 of a readable pipe");
        Read((uint)pipe[0], &one, 1);
        Check("ppoll", Ppoll(&poll, 1, &zero, null, 8) == 0, "ppoll of an empty pipe");
        set[pipe[0] / 64] |= 1UL << (pipe[0] % 64);
        Check("pselect6", Pselect6(pipe[0] + 1, set, null, null, &zero, null) == 0 && set[pipe[0] / 64] == 0, "pselect6 of an empty pipe");
        Fails("pselect6", Pselect6(-1, set, null, null, &zero, null), Errno.EINVAL, "pselect6 of -1 descriptors");
        ulong noSignals = 0;
        Fails("ppoll", Ppoll(&poll, 1, &zero, &noSignals, 4), Errno.EINVAL, "ppoll with a 4-byte signal set");
        Check("epoll_ctl", EpollCtl(epoll, EPOLL_CTL_DEL, pipe[0], null) == 0, "EPOLL_CTL_DEL");
        Fails("epoll_ctl", EpollCtl(epoll, EPOLL_CTL_DEL, pipe[0], null), Errno.ENOENT, "EPOLL_CTL_DEL twice");
        Close((uint)epoll);
        Close((uint)pipe[0]);
        Close((uint)pipe[1]);

        // inotify: a file made in the watched folder is reported by name.
        int inotify = (int)InotifyInit1(IN_CLOEXEC | IN_NONBLOCK);
        Check("inotify_init1", inotify >= 0, "inotify_init1");
        Fails("inotify_init1", InotifyInit1(1), Errno.EINVAL, "inotify_init1 with an unknown flag");
        int wd = (int)InotifyAddWatch(inotify, Z(work), IN_CREATE | IN_DELETE);
        Check("inotify_add_watch", wd >= 1, $"inotify_add_watch answered {wd}");
        Fails("inotify_add_watch", InotifyAddWatch(inotify, Z(Path.Combine(work, "missing")), IN_CREATE), Errno.ENOENT, "inotify_add_watch of a missing path");
        File.WriteAllText(Path.Combine(work, "watched"), "");
        var buffer = new byte[512];
        fixed (byte* b = buffer)
        {
            nint got = Read((uint)inotify, b, 512);
            var head = (InotifyEvent*)b;
            Check("inotify_add_watch", got >= sizeof(InotifyEvent) && head->Wd == wd && (head->Mask & IN_CREATE) != 0
                && Text(buffer.AsSpan(sizeof(InotifyEvent), (int)head->Len)) == "watched", $"inotify read {got} bytes");
        }
        Check("inotify_rm_watch", InotifyRmWatch(inotify, wd) == 0, "inotify_rm_watch");
        Fails("inotify_rm_watch", InotifyRmWatch(inotify, wd), Errno.EINVAL, "inotify_rm_watch twice");
        Close((uint)inotify);

        // futex on a word of this thread's stack: waiting on a value it does not hold, and waking no one.
        uint word = 1;
        var brief = new KernelTimespec { TvNsec = 1_000_000 };
        Fails("futex", Futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &brief, null, 0), Errno.EAGAIN, "FUTEX_WAIT on a word that changed");
        Fails("futex", Futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, &brief, null, 0), Errno.ETIMEDOUT, "FUTEX_WAIT of 1 ms");
        Check("futex", Futex(&word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, null, null, 0) == 0, "FUTEX_WAKE woke someone");
        Fails("futex", Futex(&word, 12345, 0, null, null, 0), Errno.ENOSYS, "futex of an unknown operation");

        // getrandom: 64 bytes, twice different; unknown flags refused.
        var first = new byte[64];
        var second = new byte[64];
        fixed (byte* f = first, s = second)
        {
            Check("getrandom", Getrandom(f, 64, 0) == 64 && Getrandom(s, 64, GRND_NONBLOCK) == 64 && !first.AsSpan().SequenceEqual(second), "getrandom");
            Fails("getrandom", Getrandom(f, 64, 0x100), Errno.EINVAL, "getrandom with an unknown flag");
        }
    }
}
