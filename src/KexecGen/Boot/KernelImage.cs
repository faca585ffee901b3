using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using KexecGen.Interop;

namespace KexecGen.Boot;

/// <summary>The kernel formats the kexec_load path loads, told apart by their headers, each planned by its own loader.</summary>
public static class KernelImage
{
    /// <summary>The most bytes an Image.gz may inflate to: more is refused rather than filling memory.</summary>
    public const int MaxInflatedBytes = 1 << 30;

    /// <summary>Plans <paramref name="kernel"/> as a bzImage, an arm64 Image (or Image.gz) or an ELF executable.</summary>
    /// <param name="kernel">The image.</param>
    /// <param name="initrd">The initrd, or null for none.</param>
    /// <param name="commandLine">The command line, or null for none.</param>
    /// <param name="machine">The running machine.</param>
    /// <param name="crash">For a crash kernel (bzImage or Image): the dying kernel's description; null for a normal load.</param>
    /// <exception cref="FormatException">Not one of those formats, or malformed.</exception>
    /// <exception cref="ArgumentException">It does not fit, or an initrd or command line was given for an ELF executable.</exception>
    public static BootPlan Plan(ReadOnlyMemory<byte> kernel, ReadOnlyMemory<byte>? initrd, string? commandLine, MachineDescription machine, CrashDescription? crash = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var bytes = kernel.Span;
        if (BzImage.IsBzImage(bytes)) return BzImage.Plan(kernel, initrd, commandLine, machine, crash);
        if (Arm64Image.IsImage(bytes)) return Arm64Image.Plan(kernel, initrd, commandLine, machine, crash);
        if (IsGzip(bytes))
        {
            var inflated = Inflate(kernel);
            if (!Arm64Image.IsImage(inflated)) throw new FormatException("the gzip file does not hold an arm64 Image");
            return Arm64Image.Plan(inflated, initrd, commandLine, machine, crash);
        }
        if (ElfImage.IsExecutable(bytes))
        {
            if (initrd is not null || commandLine is not null) throw new ArgumentException("an ELF executable is loaded as it is: --initrd and --append apply to a bzImage or arm64 Image");
            if (crash is not null) throw new ArgumentException("an ELF executable is loaded as it is: it gets no core header; load a bzImage or arm64 Image as a crash kernel");
            var elf = ElfImage.Parse(bytes.ToArray(), machine.PageSize);
            return new BootPlan(elf.Entry, elf.Segments.Select((s, i) => new PlannedSegment(s, $"ELF program header {i} (PT_LOAD)")).ToList(), KexecArch.Default);
        }
        throw new FormatException("not a kernel the kexec_load path knows: a bzImage, an arm64 Image (or Image.gz) or an ELF executable");
    }

    private static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Inflate(ReadOnlyMemory<byte> compressed)
    {
        using var input = new GZipStream(new ReadOnlyMemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                if (output.Length + read > MaxInflatedBytes) throw new FormatException($"the gzip file inflates to more than {MaxInflatedBytes} bytes");
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"the gzip file is corrupt: {e.Message}", e);
        }
        return output.ToArray();
    }

    // A read-only stream over memory (mapped files included), for GZipStream.
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> memory) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => memory.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, memory.Length - _position);
            memory.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
