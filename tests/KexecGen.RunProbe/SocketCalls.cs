using System;
using System.IO;
using System.Text;
using KexecGen.RunProbe.Calls;
using static KexecGen.RunProbe.Calls.FileFlags;
using static KexecGen.RunProbe.Calls.ProcessFlags;
using static KexecGen.RunProbe.Calls.Syscalls;
using static KexecGen.RunProbe.Report;

namespace KexecGen.RunProbe;

/// <summary>Unix-domain sockets only, one of them bound below the work folder: no network.</summary>
internal static unsafe class SocketCalls
{
    // glibc's sys/socket.h, not the uapi, defines these; they are the same on x86_64 and arm64.
    private const int AfUnix = 1, SockStream = 1, SockDgram = 2, ShutWr = 1;

    /// <summary>The calls.</summary>
    public static void Run(string work)
    {
        var buffer = new byte[64];
        fixed (byte* b = buffer, hello = "hello, socket"u8)
        {
            var pair = stackalloc int[2];
            Check("socketpair", Socketpair(AfUnix, SockDgram | O_CLOEXEC, 0, pair) == 0 && pair[0] >= 0 && pair[1] >= 0, "socketpair");
            // A failing socketpair may have written the numbers it reserved (the kernel puts them before making the sockets): another array.
            var unused = stackalloc int[2];
            Fails("socketpair", Socketpair(12345, SockDgram, 0, unused), Errno.EAFNOSUPPORT, "socketpair of an unknown family");
            Check("sendto", Sendto(pair[0], hello, 13, 0, null, 0) == 13, "sendto");
            Check("recvfrom", Recvfrom(pair[1], b, 64, 0, null, null) == 13 && Encoding.ASCII.GetString(buffer, 0, 13) == "hello, socket", "recvfrom");
            Fails("recvfrom", Recvfrom(pair[1], b, 64, 0x40 /* MSG_DONTWAIT */, null, null), Errno.EAGAIN, "recvfrom of an empty socket");
            Fails("sendto", Sendto(-1, hello, 13, 0, null, 0), Errno.EBADF, "sendto of fd -1");
            Close((uint)pair[0]);
            Close((uint)pair[1]);

            // A listening socket at work/socket, a client, and the connection between them.
            var path = Path.Combine(work, "socket");
            var address = new SocketAddressUnix { SunFamily = AfUnix };
            Encoding.UTF8.GetBytes(path).CopyTo(address.SunPath);
            int length = 2 + path.Length + 1;
            int server = (int)Socket(AfUnix, SockStream | O_CLOEXEC, 0);
            Check("socket", server >= 0, "socket");
            Fails("socket", Socket(12345, SockStream, 0), Errno.EAFNOSUPPORT, "socket of an unknown family");
            FileStatus st = default;
            Check("bind", Bind(server, &address, length) == 0 && Newfstatat(AT_FDCWD, Z(path), &st, 0) == 0 && (st.StMode & S_IFMT) == S_IFSOCK, "bind made no socket file");
            var other = address;
            other.SunPath[path.Length] = (byte)'2';
            Fails("bind", Bind(server, &other, length + 1), Errno.EINVAL, "bind of a bound socket to another path");
            Check("listen", Listen(server, 4) == 0, "listen");
            Fails("listen", Listen(-1, 4), Errno.EBADF, "listen of fd -1");
            var name = new SocketAddressUnix();
            int nameLength = sizeof(SocketAddressUnix);
            Check("getsockname", Getsockname(server, &name, &nameLength) == 0 && nameLength == length && Text(name.SunPath) == path, $"getsockname: {Text(name.SunPath)}");

            int client = (int)Socket(AfUnix, SockStream | O_CLOEXEC, 0);
            Check("connect", Connect(client, &address, length) == 0, "connect");
            Fails("connect", Connect(client, &address, length), Errno.EISCONN, "connect of a connected socket");
            var peer = new SocketAddressUnix();
            int peerLength = sizeof(SocketAddressUnix);
            int accepted = (int)Accept4(server, &peer, &peerLength, O_CLOEXEC);
            Check("accept4", accepted >= 0 && peerLength == 2 && Fcntl((uint)accepted, F_GETFD, 0) == FD_CLOEXEC, $"accept4 answered {accepted}, an address of {peerLength} bytes");
            Fails("accept4", Accept4(client, null, null, 0), Errno.EINVAL, "accept4 of a socket that does not listen");
            nameLength = sizeof(SocketAddressUnix);
            Check("getpeername", Getpeername(client, &name, &nameLength) == 0 && Text(name.SunPath) == path, $"getpeername: {Text(name.SunPath)}");
            Fails("getpeername", Getpeername(server, &name, &nameLength), Errno.ENOTCONN, "getpeername of a listening socket");

            // sendmsg and recvmsg with one iovec each: struct user_msghdr, which the uapi does not declare.
            var vector = new IoVector { IovBase = (nint)hello, IovLen = 13 };
            var message = stackalloc ulong[7]; // msg_name, msg_namelen, msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags
            message[2] = (ulong)&vector;
            message[3] = 1;
            Check("sendmsg", Sendmsg(client, message, 0) == 13, "sendmsg");
            var into = new IoVector { IovBase = (nint)b, IovLen = 64 };
            new Span<ulong>(message, 7).Clear();
            message[2] = (ulong)&into;
            message[3] = 1;
            buffer.AsSpan().Clear();
            Check("recvmsg", Recvmsg(accepted, message, 0) == 13 && Encoding.ASCII.GetString(buffer, 0, 13) == "hello, socket", "recvmsg");
            Fails("recvmsg", Recvmsg(accepted, message, 0x40 /* MSG_DONTWAIT */), Errno.EAGAIN, "recvmsg of an empty socket");
            Fails("sendmsg", Sendmsg(server, message, 0), Errno.ENOTCONN, "sendmsg of a listening socket");

            int size = 65536, got = 0, gotLength = 4;
            Check("setsockopt", Setsockopt(client, SOL_SOCKET, SO_SNDBUF, (byte*)&size, 4) == 0, "setsockopt SO_SNDBUF");
            // The kernel doubles the size asked for, for its own bookkeeping (socket(7)).
            Check("getsockopt", Getsockopt(client, SOL_SOCKET, SO_SNDBUF, (byte*)&got, &gotLength) == 0 && got == 2 * size && gotLength == 4, $"SO_SNDBUF reads {got}");
            Check("getsockopt", Getsockopt(client, SOL_SOCKET, SO_TYPE, (byte*)&got, &gotLength) == 0 && got == SockStream, $"SO_TYPE reads {got}");
            Fails("setsockopt", Setsockopt(client, SOL_SOCKET, SO_SNDBUF, (byte*)&size, 1), Errno.EINVAL, "setsockopt with a 1-byte value");
            Fails("getsockopt", Getsockopt(client, 12345, SO_TYPE, (byte*)&got, &gotLength), Errno.EOPNOTSUPP, "getsockopt of an unknown level");

            // shutdown: the other end reads the end of the stream.
            Check("shutdown", Shutdown(client, ShutWr) == 0 && Recvfrom(accepted, b, 64, 0, null, null) == 0, "after shutdown(SHUT_WR) the peer reads no end");
            Fails("shutdown", Shutdown(client, 12345), Errno.EINVAL, "shutdown of an unknown direction");

            // accept, without an address: a second client.
            int second = (int)Socket(AfUnix, SockStream | O_CLOEXEC, 0);
            Connect(second, &address, length);
            int plain = (int)Accept(server, null, null);
            Check("accept", plain >= 0 && Fcntl((uint)plain, F_GETFD, 0) == 0, $"accept answered {plain}");
            Fails("accept", Accept(-1, null, null), Errno.EBADF, "accept of fd -1");
            foreach (var fd in new[] { plain, second, accepted, client, server }) Close((uint)fd);
        }
    }
}
