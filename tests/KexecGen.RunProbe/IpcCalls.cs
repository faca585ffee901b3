using System;
using System.Text;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.ProcessFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>System V message queues and shared memory, private to this process and removed before it ends.</summary>
internal static unsafe class IpcCalls
{
    private const int Mode600 = 0x180;

    /// <summary>The calls.</summary>
    public static void Run()
    {
        int queue = (int)Msgget(IPC_PRIVATE, IPC_CREAT | Mode600);
        Check("msgget", queue >= 0, "msgget");
        try
        {
            // struct msgbuf: a long mtype, then the text.
            var message = stackalloc byte[8 + 16];
            *(long*)message = 7;
            "queued"u8.CopyTo(new Span<byte>(message + 8, 16));
            Check("msgsnd", Msgsnd(queue, message, 6, IPC_NOWAIT) == 0, "msgsnd");
            Fails("msgsnd", Msgsnd(queue, message, unchecked((ulong)-1), IPC_NOWAIT), Errno.EINVAL, "msgsnd of a negative size");
            var received = stackalloc byte[8 + 16];
            Fails("msgrcv", Msgrcv(queue, received, 16, 8, IPC_NOWAIT), Errno.ENOMSG, "msgrcv of a type nobody sent");
            Check("msgrcv", Msgrcv(queue, received, 16, 7, IPC_NOWAIT) == 6 && *(long*)received == 7 && Encoding.ASCII.GetString(new ReadOnlySpan<byte>(received + 8, 6)) == "queued", "msgrcv");
            Fails("msgrcv", Msgrcv(queue, received, 16, 0, IPC_NOWAIT), Errno.ENOMSG, "msgrcv of an empty queue");
        }
        finally
        {
            Check("msgctl", Msgctl(queue, IPC_RMID, null) == 0, "msgctl IPC_RMID");
        }
        Fails("msgctl", Msgctl(queue, IPC_RMID, null), Errno.EINVAL, "msgctl IPC_RMID of a removed queue");
        Fails("msgget", Msgget(0x52756e50 /* a key no one made */, 0), Errno.ENOENT, "msgget of a missing key without IPC_CREAT");

        int segment = (int)Shmget(IPC_PRIVATE, 4096, IPC_CREAT | Mode600);
        Check("shmget", segment >= 0, "shmget");
        try
        {
            // Two attachments of one segment are one memory.
            nint first = Shmat(segment, null, 0), second = Shmat(segment, null, 0);
            Check("shmat", first > 0 && second > 0 && first != second, $"shmat answered {first:x} and {second:x}");
            ((byte*)first)[100] = 0x77;
            Check("shmat", ((byte*)second)[100] == 0x77, "the two attachments are not the same memory");
            Fails("shmat", Shmat(segment, (byte*)1, 0), Errno.EINVAL, "shmat at an unaligned address");
            Check("shmdt", Shmdt((byte*)first) == 0 && Shmdt((byte*)second) == 0, "shmdt");
            Fails("shmdt", Shmdt((byte*)first), Errno.EINVAL, "shmdt of a detached address");
        }
        finally
        {
            Check("shmctl", Shmctl(segment, IPC_RMID, null) == 0, "shmctl IPC_RMID");
        }
        Fails("shmctl", Shmctl(segment, IPC_RMID, null), Errno.EINVAL, "shmctl IPC_RMID of a removed segment");
        Fails("shmget", Shmget(IPC_PRIVATE, 0, IPC_CREAT | Mode600), Errno.EINVAL, "shmget of size 0");
    }
}
