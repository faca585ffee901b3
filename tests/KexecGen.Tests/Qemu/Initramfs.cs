using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace KexecGen.Tests.Qemu;

/// <summary>Writes an uncompressed initramfs: a cpio archive in the kernel's "newc" format.</summary>
public sealed class Initramfs
{
    private readonly List<(string Path, int Mode, byte[] Data, int Major, int Minor)> _entries = new();
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);

    /// <summary>Adds a file (and its parent directories) with permission bits <paramref name="permissions"/>.</summary>
    public Initramfs File(string path, byte[] data, int permissions = 0x1A4 /* 0644 */)
    {
        path = path.TrimStart('/');
        Directories(path);
        _entries.Add((path, 0x8000 | permissions, data, 0, 0));
        return this;
    }

    /// <summary>Adds a character device node (/dev/console, so that /init has a console before devtmpfs).</summary>
    public Initramfs CharDevice(string path, int major, int minor)
    {
        path = path.TrimStart('/');
        Directories(path);
        _entries.Add((path, 0x2000 | 0x180 /* 0600 */, Array.Empty<byte>(), major, minor));
        return this;
    }

    /// <summary>Adds an executable file.</summary>
    public Initramfs Executable(string path, byte[] data) => File(path, data, 0x1ED /* 0755 */);

    /// <summary>Adds a shell script, executable.</summary>
    public Initramfs Script(string path, string text) => Executable(path, Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal)));

    /// <summary>The archive's bytes.</summary>
    public byte[] ToArray()
    {
        using var output = new MemoryStream();
        int inode = 1;
        foreach (var (path, mode, data, major, minor) in _entries) Entry(output, inode++, path, mode, data, major, minor);
        Entry(output, 0, "TRAILER!!!", 0, Array.Empty<byte>(), 0, 0);
        return output.ToArray();
    }

    private void Directories(string path)
    {
        var parent = Path.GetDirectoryName(path)?.Replace('\\', '/');
        if (string.IsNullOrEmpty(parent) || !_directories.Add(parent)) return;
        Directories(parent);
        _entries.Add((parent, 0x4000 | 0x1ED, Array.Empty<byte>(), 0, 0));
    }

    private static void Entry(Stream output, int inode, string name, int mode, byte[] data, int major, int minor)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name + "\0");
        var header = string.Concat(
            "070701",
            Hex(inode), Hex(mode), Hex(0), Hex(0), Hex(1), Hex(0), Hex(data.Length),
            Hex(0), Hex(0), Hex(major), Hex(minor), Hex(nameBytes.Length), Hex(0));
        output.Write(Encoding.ASCII.GetBytes(header));
        output.Write(nameBytes);
        Pad(output);
        output.Write(data);
        Pad(output);
    }

    private static string Hex(int value) => value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture);

    private static void Pad(Stream output)
    {
        while (output.Position % 4 != 0) output.WriteByte(0);
    }
}
