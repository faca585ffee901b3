using System;
using System.Buffers;
using System.IO;
using System.IO.MemoryMappedFiles;

namespace KexecGen.Boot;

/// <summary>
/// A file mapped read-only into memory: its bytes reach kexec_load without being copied into the heap, so loading a
/// large initrd costs page cache, not anonymous memory. Its <see cref="MemoryManager{T}.Memory"/> is valid until the
/// mapping is disposed: load before disposing it.
/// </summary>
internal sealed unsafe class MappedFile : MemoryManager<byte>
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte[]? _read;
    private readonly byte* _pointer;
    private readonly int _length;

    // A file read whole into a pinned array, where it cannot be mapped.
    private MappedFile(byte[] read)
    {
        _read = read;
        _length = read.Length;
        _pointer = read.Length == 0 ? null : (byte*)System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(read, 0);
    }

    private MappedFile(MemoryMappedFile? file, MemoryMappedViewAccessor? view, int length)
    {
        _file = file;
        _view = view;
        _length = length;
        if (view is not null)
        {
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _pointer = p + view.PointerOffset;
        }
    }

    /// <summary>Maps <paramref name="path"/>; an empty file maps to no bytes.</summary>
    /// <exception cref="IOException">The file cannot be opened or is larger than 2 GiB.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static MappedFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // The mapping outlives the descriptor: it is made, and its view, before the handle closes.
        using var handle = File.OpenHandle(path);
        return Open(handle, path);
    }

    /// <summary>
    /// Maps the open file <paramref name="handle"/>, which stays open; a file whose size the kernel does not report (a
    /// block device) is read to its end into pinned memory instead.
    /// </summary>
    /// <param name="handle">The open file.</param>
    /// <param name="name">What the file is called in a message.</param>
    /// <exception cref="IOException">The file cannot be read or is larger than 2 GiB.</exception>
    public static MappedFile Open(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string name = "the file")
    {
        ArgumentNullException.ThrowIfNull(handle);
        long length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue) throw new IOException($"{name} is {length} bytes; a segment holds at most {int.MaxValue}");
        if (length == 0) return ReadToEnd(handle, name);
        var file = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        return new MappedFile(file, view, (int)length);
    }

    private static MappedFile ReadToEnd(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string name)
    {
        using var bytes = new MemoryStream();
        var chunk = new byte[1 << 20];
        for (long offset = 0; ;)
        {
            int read = RandomAccess.Read(handle, chunk, offset);
            if (read == 0) break;
            if (bytes.Length + read > int.MaxValue) throw new IOException($"{name} is over {int.MaxValue} bytes; a segment holds at most that");
            bytes.Write(chunk, 0, read);
            offset += read;
        }
        var pinned = GC.AllocateUninitializedArray<byte>((int)bytes.Length, pinned: true);
        bytes.GetBuffer().AsSpan(0, pinned.Length).CopyTo(pinned);
        return new MappedFile(pinned);
    }

    /// <inheritdoc />
    public override Span<byte> GetSpan() => new(_pointer, _length);

    /// <inheritdoc />
    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    /// <inheritdoc />
    public override void Unpin() { }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _file?.Dispose();
    }
}
