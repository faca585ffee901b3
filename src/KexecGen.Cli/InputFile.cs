using System;
using System.Linq;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using KexecGen.Cli.Calls;
using Microsoft.Win32.SafeHandles;

namespace KexecGen.Cli;

/// <summary>
/// A file the tool reads whole (the kernel, the initrd), opened by its path's bytes (whatever they are) without
/// blocking, and checked to be what can be read whole before anything is loaded: a regular file that is not empty,
/// or, where allowed, a block device. A directory, a FIFO, a socket or a character device is refused in one line
/// naming it, as an open that never returns or a read that never ends would otherwise follow.
/// </summary>
internal static unsafe class InputFile
{
    /// <summary>Opens <paramref name="path"/> as the <paramref name="what"/> (the message's word for it).</summary>
    /// <param name="path">The path's bytes, as the user gave them.</param>
    /// <param name="what">"kernel", "initrd".</param>
    /// <param name="blockDevice">Whether a block device will do (an initrd, as kexec-tools reads one whole).</param>
    /// <param name="isBlockDevice">Whether it is one.</param>
    /// <exception cref="IOException">It cannot be opened, or is not a file that can be read whole.</exception>
    public static SafeFileHandle Open(byte[] path, string what, bool blockDevice, out bool isBlockDevice)
    {
        var shown = Shown(path);
        var terminated = new byte[path.Length + 1];
        path.CopyTo(terminated, 0);
        nint fd;
        fixed (byte* p = terminated)
        {
            fd = Syscalls.Openat(StatxFlags.AT_FDCWD, p, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY, 0);
        }
        if (fd < 0) throw new IOException($"cannot open the {what} {shown}: {Reason(Marshal.GetLastPInvokeError())}");
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Statx status;
            byte empty = 0;
            if (Syscalls.Statx((int)fd, &empty, (uint)StatxFlags.AT_EMPTY_PATH, (uint)(StatxFlags.STATX_TYPE | StatxFlags.STATX_SIZE), &status) < 0)
            {
                throw new IOException($"cannot tell what the {what} {shown} is: {Reason(Marshal.GetLastPInvokeError())}");
            }
            int type = status.StxMode & FileTypes.S_IFMT;
            isBlockDevice = type == FileTypes.S_IFBLK;
            string? refusal = type switch
            {
                FileTypes.S_IFREG => status.StxSize == 0 ? "is empty" : null,
                FileTypes.S_IFBLK => blockDevice ? null : "is a block device",
                FileTypes.S_IFDIR => "is a directory",
                FileTypes.S_IFIFO => "is a FIFO (named pipe)",
                FileTypes.S_IFSOCK => "is a socket",
                FileTypes.S_IFCHR => "is a character device",
                _ => $"is not a regular file (type 0x{type:x})",
            };
            if (refusal is not null) throw new IOException($"the {what} {shown} {refusal}: give a regular file{(blockDevice ? " or a block device" : "")}");
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    // The errno's name and what it says ("ENOENT: No such file or directory").
    private static string Reason(int errno) => $"{Errno.NameOf(errno) ?? "errno " + errno}: {Marshal.GetPInvokeErrorMessage(errno)}";

    /// <summary>Text for a one-line message: each control character (a newline in a path or a value) as \xNN.</summary>
    public static string OneLine(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var line = new StringBuilder(text.Length + 8);
        foreach (var c in text) line.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString());
        return line.ToString();
    }

    /// <summary>A path for a one-line message: as UTF-8 where it is (control characters as \xNN), else every byte outside printable ASCII as \xNN.</summary>
    public static string Shown(byte[] path)
    {
        if (System.Text.Unicode.Utf8.IsValid(path)) return OneLine(Encoding.UTF8.GetString(path));
        var text = new StringBuilder();
        foreach (var b in path) text.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
        return text.ToString();
    }
}
