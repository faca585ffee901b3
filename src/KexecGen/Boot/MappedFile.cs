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
    private readonly byte* _pointer;
    private readonly int _length;

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
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        long length = stream.Length;
        if (length > int.MaxValue) throw new IOException($"{path} is {length} bytes; a segment holds at most {int.MaxValue}");
        if (length == 0) return new MappedFile(null, null, 0);
        var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        var view = file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        return new MappedFile(file, view, (int)length);
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
