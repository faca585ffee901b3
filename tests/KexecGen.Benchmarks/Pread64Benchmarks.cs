using System.IO;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using KexecGen.Benchmarks.Calls;
using Microsoft.Win32.SafeHandles;

namespace KexecGen.Benchmarks;

/// <summary>
/// pread64 of 64 bytes at 5 GiB of a sparse file: glibc's own pread64 through a hand-written [LibraryImport] as the
/// baseline, the generated stub (bound by name, its offset one 64-bit register here), and .NET's RandomAccess.Read.
/// </summary>
[MemoryDiagnoser]
public unsafe partial class Pread64Benchmarks
{
    private const long Offset = 5L << 30;
    private readonly byte[] _buffer = new byte[64];
    private string? _path;
    private SafeFileHandle? _file;
    private int _fd;

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.GetTempFileName();
        _file = File.OpenHandle(_path, FileMode.Open, FileAccess.ReadWrite);
        RandomAccess.SetLength(_file, Offset + 4096);
        _fd = (int)_file.DangerousGetHandle();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _file?.Dispose();
        if (_path is not null) File.Delete(_path);
    }

    [Benchmark(Baseline = true, Description = "glibc pread64 ([LibraryImport])")]
    public nint Glibc()
    {
        fixed (byte* b = _buffer) return GlibcPread64(_fd, b, (nuint)_buffer.Length, Offset);
    }

    [Benchmark(Description = "generated stub Syscalls.Pread64")]
    public nint Generated()
    {
        fixed (byte* b = _buffer) return Syscalls.Pread64((uint)_fd, b, (nuint)_buffer.Length, Offset);
    }

    [Benchmark(Description = "RandomAccess.Read")]
    public int Bcl() => RandomAccess.Read(_file!, _buffer, Offset);

    [LibraryImport("libc", EntryPoint = "pread64", SetLastError = true)]
    private static partial nint GlibcPread64(int fd, byte* buffer, nuint count, long offset);
}
