using System;
using System.IO;
using System.Linq;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.EventFlags;
using static KexecGen.RunProbe.Calls.ProcessFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Signals without sending one: signal 0 to this process only, masks, and descriptors that would receive them.</summary>
internal static unsafe class SignalCalls
{
    private const ulong SigsetSize = 8; // the kernel's sigset_t: 64 signals

    /// <summary>The calls.</summary>
    public static void Run()
    {
        int pid = (int)Getpid(), tid = (int)Gettid();
        Check("kill", Kill(pid, 0) == 0, "kill(self, 0)");
        Fails("kill", Kill(pid, 12345), Errno.EINVAL, "kill with an unknown signal");
        Check("tgkill", Tgkill(pid, tid, 0) == 0, "tgkill(self, 0)");
        Fails("tgkill", Tgkill(pid, -1, 0), Errno.EINVAL, "tgkill of thread -1");
        Check("tkill", Tkill(tid, 0) == 0, "tkill(self, 0)");
        Fails("tkill", Tkill(tid, 12345), Errno.EINVAL, "tkill with an unknown signal");

        // Block SIGUSR2, see it blocked, and restore the mask as it was.
        ulong usr2 = 1UL << (SIGUSR2 - 1), old = 0, now = 0, pending = ulong.MaxValue;
        Check("rt_sigprocmask", RtSigprocmask(SIG_BLOCK, &usr2, &old, SigsetSize) == 0, "SIG_BLOCK");
        Check("rt_sigprocmask", RtSigprocmask(SIG_BLOCK, null, &now, SigsetSize) == 0 && now == (old | usr2), $"the mask after SIG_BLOCK: {now:x}");
        Fails("rt_sigprocmask", RtSigprocmask(SIG_BLOCK, &usr2, null, 4), Errno.EINVAL, "rt_sigprocmask with a 4-byte set");
        Check("rt_sigpending", RtSigpending(&pending, SigsetSize) == 0 && (pending & usr2) == 0, $"rt_sigpending: {pending:x}");
        Fails("rt_sigpending", RtSigpending(&pending, 64), Errno.EINVAL, "rt_sigpending with a 64-byte set");
        var timeout = new KernelTimespec();
        var siginfo = stackalloc byte[128];
        Fails("rt_sigtimedwait", RtSigtimedwait(&usr2, siginfo, &timeout, SigsetSize), Errno.EAGAIN, "rt_sigtimedwait for SIGUSR2, which nobody sent");

        // A signalfd of SIGUSR2: nothing to read, and /proc shows its mask.
        int sfd = (int)Signalfd4(-1, &usr2, SigsetSize, SFD_CLOEXEC | SFD_NONBLOCK);
        Check("signalfd4", sfd >= 0, "signalfd4");
        var fdinfo = sfd >= 0 ? File.ReadAllLines($"/proc/thread-self/fdinfo/{sfd}").FirstOrDefault(l => l.StartsWith("sigmask:", StringComparison.Ordinal)) : null;
        Check("signalfd4", fdinfo is not null && Convert.ToUInt64(fdinfo[8..].Trim(), 16) == usr2, $"the signalfd's mask in /proc: {fdinfo}");
        SignalfdSiginfo received;
        Fails("read", Read((uint)sfd, (byte*)&received, (ulong)sizeof(SignalfdSiginfo)), Errno.EAGAIN, "read of a signalfd with no signal");
        Fails("signalfd4", Signalfd4(-1, &usr2, SigsetSize, 1), Errno.EINVAL, "signalfd4 with an unknown flag");
        Close((uint)sfd);
        Check("rt_sigprocmask", RtSigprocmask(SIG_SETMASK, &old, null, SigsetSize) == 0 && RtSigprocmask(SIG_BLOCK, null, &now, SigsetSize) == 0 && now == old, "SIG_SETMASK back");

        // sigaltstack: ask, without changing it; a stack of 1 KiB is below every MINSIGSTKSZ (x86 2048, arm64 5120,
        // qemu-aarch64 its own), and refused.
        var current = stackalloc byte[24]; // stack_t: ss_sp, ss_flags, ss_size
        Check("sigaltstack", Sigaltstack(null, current) == 0 && (*(int*)(current + 8) & 1 /* SS_ONSTACK */) == 0, $"sigaltstack: flags {*(int*)(current + 8)}");
        var small = stackalloc byte[24];
        var memory = stackalloc byte[1024];
        *(nint*)small = (nint)memory;
        *(ulong*)(small + 16) = 1024;
        Fails("sigaltstack", Sigaltstack(small, null), Errno.ENOMEM, "sigaltstack of 1024 bytes");

        // A pidfd of this process: signal 0 through it, and a copy of one of its descriptors.
        int pidfd = (int)PidfdOpen(pid, 0);
        var pidLine = pidfd >= 0 ? File.ReadAllLines($"/proc/thread-self/fdinfo/{pidfd}").FirstOrDefault(l => l.StartsWith("Pid:", StringComparison.Ordinal)) : null;
        Check("pidfd_open", pidfd >= 0 && pidLine is not null && long.Parse(pidLine[4..].Trim(), System.Globalization.CultureInfo.InvariantCulture) == pid, $"pidfd_open: {pidLine}");
        Fails("pidfd_open", PidfdOpen(pid, 0x12345), Errno.EINVAL, "pidfd_open with unknown flags");
        Check("pidfd_send_signal", PidfdSendSignal(pidfd, 0, null, 0) == 0, "pidfd_send_signal(self, 0)");
        Fails("pidfd_send_signal", PidfdSendSignal(pidfd, 0, null, 0x40000000), Errno.EINVAL, "pidfd_send_signal with unknown flags");
        int copy = (int)PidfdGetfd(pidfd, pidfd, 0);
        Check("pidfd_getfd", copy >= 0 && copy != pidfd && File.ReadAllLines($"/proc/thread-self/fdinfo/{copy}").Contains(pidLine), $"pidfd_getfd answered {copy}");
        Fails("pidfd_getfd", PidfdGetfd(pidfd, -1, 0), Errno.EBADF, "pidfd_getfd of fd -1");
        Close((uint)copy);
        Close((uint)pidfd);

        // This process has no children.
        var info = stackalloc byte[128];
        int status = 0;
        Fails("waitid", Waitid(P_ALL, 0, info, WEXITED | WNOHANG, null), Errno.ECHILD, "waitid with no children");
        Fails("wait4", Wait4(-1, &status, WNOHANG, null), Errno.ECHILD, "wait4 with no children");
    }
}
