using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using KexecGen.Interop;

using KexecGen.Boot.Crash;
using KexecGen.Boot.Fdt;

namespace KexecGen.Boot.Arm64;

/// <summary>
/// The arm64 kernel Image (Documentation/arch/arm64/booting.rst) and its kexec_load plan: the Image at a 2 MiB-aligned
/// base + text_offset, the initrd in the window booting.rst allows, the device tree with /chosen rewritten, and a
/// <see cref="Arm64Trampoline.Build"/> that enters the Image with x0 = the device tree.
/// </summary>
public static class Arm64Image
{
    /// <summary>The header's magic at offset 56: "ARM\x64", little-endian.</summary>
    internal const uint Magic = 0x644d5241;

    /// <summary>Bytes of header the loader reads.</summary>
    internal const int HeaderSize = 64;

    /// <summary>Random bytes a plan consumes: 8 for kaslr-seed, then <see cref="RngSeedBytes"/> for rng-seed.</summary>
    public const int EntropyBytes = Chosen.EntropyBytes;

    /// <summary>Size of /chosen/rng-seed, as the kernel's own file loader writes it (RNG_SEED_SIZE).</summary>
    internal const int RngSeedBytes = Chosen.RngSeedBytes;

    private const ulong KernelAlignment = 2 << 20;        // the base the Image's text_offset counts from
    private const ulong InitrdWindowAlignment = 1UL << 30; // the kernel and initrd share one 1 GiB-aligned…
    private const ulong InitrdWindow = 32UL << 30;         // …32 GiB window
    private const ulong LegacyTextOffset = 0x80000;        // image_size 0: a kernel before 3.17
    private const int MaxDeviceTree = 2 << 20;
    private const ulong BigEndianFlag = 1;

    /// <summary>Whether <paramref name="image"/> starts with an arm64 Image header.</summary>
    public static bool IsImage(ReadOnlySpan<byte> image) =>
        image.Length >= HeaderSize && BinaryPrimitives.ReadUInt32LittleEndian(image[56..]) == Magic;

    /// <summary>The header's fields that placement needs.</summary>
    /// <param name="TextOffset">Where in its 2 MiB-aligned base the Image starts.</param>
    /// <param name="ImageSize">Bytes the Image occupies, bss included.</param>
    /// <param name="Flags">Endianness, page size and placement flags.</param>
    internal readonly record struct Header(ulong TextOffset, ulong ImageSize, ulong Flags);

    /// <summary>Reads the 64-byte header.</summary>
    /// <exception cref="FormatException">Not an arm64 Image, truncated, or big-endian.</exception>
    internal static Header ReadHeader(ReadOnlySpan<byte> image)
    {
        if (image.Length < HeaderSize) throw new FormatException($"an arm64 Image is at least {HeaderSize} bytes; this file has {image.Length}");
        if (!IsImage(image)) throw new FormatException($"no arm64 Image magic (0x{Magic:x8}) at offset 56");
        ulong textOffset = BinaryPrimitives.ReadUInt64LittleEndian(image[8..]);
        ulong imageSize = BinaryPrimitives.ReadUInt64LittleEndian(image[16..]);
        ulong flags = BinaryPrimitives.ReadUInt64LittleEndian(image[24..]);
        if (imageSize == 0) textOffset = LegacyTextOffset; // booting.rst: before 3.17 the field is 0 and the offset is 0x80000
        if ((flags & BigEndianFlag) != 0) throw new FormatException("the Image is a big-endian kernel; this loader writes little-endian trampolines and device trees");
        if (textOffset >= KernelAlignment) throw new FormatException($"text_offset 0x{textOffset:x} is not inside a 2 MiB block");
        PeImage.CheckComplete(image, "arm64 Image");
        // The bytes must fit what the Image occupies: a file longer than image_size is placed by its length.
        return new Header(textOffset, Math.Max(imageSize, (ulong)image.Length), flags);
    }

    /// <summary>
    /// The kexec_load plan for <paramref name="image"/>: a pure function of its inputs (no file, no /proc, no clock).
    /// </summary>
    /// <param name="image">The uncompressed Image.</param>
    /// <param name="initrd">The initrd, or null for none.</param>
    /// <param name="commandLine">The new kernel's command line (/chosen/bootargs), or null for none.</param>
    /// <param name="machine">RAM, page size, entropy and the device tree to start from (required).</param>
    /// <param name="crash">
    /// For a crash kernel: the dying kernel's description. Every segment then goes into the crash kernel's reservation,
    /// with an <see cref="ElfCoreHeader"/>, and /chosen says where it is (linux,elfcorehdr) and which memory the crash
    /// kernel may use (linux,usable-memory-range), in the root's #address-cells and #size-cells.
    /// </param>
    /// <exception cref="FormatException">The Image or the device tree is malformed.</exception>
    /// <exception cref="ArgumentException">Something does not fit in RAM (or the crash kernel's reservation), or the device tree is missing or too big.</exception>
    public static BootPlan Plan(ReadOnlyMemory<byte> image, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, MachineDescription machine, CrashDescription? crash = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var header = ReadHeader(image.Span);
        if (machine.FirmwareOf<DeviceTreeFirmware>()?.Blob is not { } dtbBytes) throw new ArgumentException("an arm64 Image needs a device tree: none was found (/sys/firmware/fdt) or given (--dtb)");
        if (machine.Entropy.Length < EntropyBytes) throw new ArgumentException($"the plan needs {EntropyBytes} random bytes, got {machine.Entropy.Length}");
        var tree = DeviceTree.Parse(dtbBytes.Span);

        var placement = PhysicalPlacement.For(machine, crash);
        // A crash kernel's core header goes first, at the reservation's start, as the kernel's own loader places it.
        var coreHeader = crash is null ? null : placement.PlaceCoreHeader(ElfCoreHeader.Build(crash));
        ulong imageBytes = header.TextOffset + header.ImageSize;
        ulong kernelBase = placement.Place("kernel Image", imageBytes, KernelAlignment);
        ulong kernel = kernelBase + header.TextOffset;
        ulong windowStart = kernelBase / InitrdWindowAlignment * InitrdWindowAlignment;
        ulong windowEnd = windowStart + InitrdWindow;

        var segments = new List<PlannedSegment>();
        // The Image's own segment starts at the base: the text_offset bytes below the Image stay zero.
        segments.Add(new PlannedSegment(new KexecSegmentSource(image, kernel, PhysicalPlacement.AlignUp(header.ImageSize, machine.PageSize)), "kernel Image"));
        (ulong Start, ulong End)? initrdRange = null;
        if (initrd is { } rd)
        {
            ulong at = placement.Place("initrd", (ulong)rd.Length, machine.PageSize, kernel + header.ImageSize, windowEnd);
            segments.Add(new PlannedSegment(new KexecSegmentSource(rd, at, PhysicalPlacement.AlignUp((ulong)rd.Length, machine.PageSize)), "initrd"));
            initrdRange = (at, at + (ulong)rd.Length);
        }
        if (coreHeader is not null) segments.Add(coreHeader);
        Chosen.Set(tree, commandLine, initrdRange, machine.Entropy.Span, coreHeader?.Segment, crash?.CrashKernel);
        var dtb = tree.ToArray();
        if (dtb.Length > MaxDeviceTree) throw new ArgumentException($"the device tree is {dtb.Length} bytes; booting.rst allows at most {MaxDeviceTree}");
        // A 2 MiB-aligned block of its own: the kernel maps the DTB with 2 MiB blocks, so it must not share one.
        ulong dtbAt = placement.Place("device tree", (ulong)dtb.Length, KernelAlignment, kernel + header.ImageSize, windowEnd);
        segments.Add(new PlannedSegment(new KexecSegmentSource(dtb, dtbAt, PhysicalPlacement.AlignUp((ulong)dtb.Length, machine.PageSize)), "device tree"));
        ulong trampolineAt = placement.Place("trampoline", Arm64Trampoline.Size, machine.PageSize, kernel + header.ImageSize);
        segments.Add(new PlannedSegment(new KexecSegmentSource(Arm64Trampoline.Build(dtbAt, kernel), trampolineAt, machine.PageSize), "trampoline (x0 = device tree, branch to the Image)"));
        return new BootPlan(trampolineAt, segments, KexecArch.Aarch64);
    }

    /// <summary>The most bytes an Image.gz may inflate to: more is refused rather than filling memory.</summary>
    public const int MaxInflatedBytes = 1 << 30;

    /// <summary><see cref="Plan"/> of an Image.gz: inflated (at most <see cref="MaxInflatedBytes"/>), then planned as the Image it holds.</summary>
    /// <exception cref="FormatException">The gzip file is corrupt, too big, or holds no arm64 Image.</exception>
    /// <exception cref="ArgumentException">As <see cref="Plan"/>.</exception>
    public static BootPlan PlanCompressed(ReadOnlyMemory<byte> image, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, MachineDescription machine, CrashDescription? crash = null)
    {
        var inflated = Inflate(image);
        if (!IsImage(inflated)) throw new FormatException("the gzip file does not hold an arm64 Image");
        return Plan(inflated, initrd, commandLine, machine, crash);
    }

    /// <summary>Whether <paramref name="bytes"/> start as a gzip file does (an Image.gz, told apart once inflated).</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

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
