using System;
using System.Buffers.Binary;
using System.IO;
using KexecGen.Interop;
using Microsoft.Win32.SafeHandles;

namespace KexecGen.Boot.X86;

/// <summary>
/// What an x86 bzImage's setup header (struct boot_params' hdr, asm/bootparam.h) says about the command line it
/// accepts. The kernel's bzImage loader refuses a longer one with EINVAL; the safe API refuses it before the syscall.
/// </summary>
public static partial class BzImage
{
    // Where the setup header's fields are in an image (as in boot_params: hdr at 0x1f1), from the generated
    // BootParams (asm/bootparam.h as the x86 ABIs' compilers lay it out), not typed here. The C readers of the
    // loader tests hold what is written to the uapi header.
    private static readonly (int Header, int Magic, int Version, int CommandLineSize, int InitSizeEnd) At = Offsets();

    private static unsafe (int, int, int, int, int) Offsets()
    {
        BootParams p;
        byte* start = (byte*)&p;
        int Of(void* field) => (int)((byte*)field - start);
        return (Of(&p.Hdr), Of(&p.Hdr.Header), Of(&p.Hdr.Version), Of(&p.Hdr.CmdlineSize), Of(&p.Hdr.InitSize) + sizeof(uint));
    }

    // hdr.header ("HdrS"), hdr.version (the boot protocol, major << 8 | minor), hdr.cmdline_size.
    internal static int MagicOffset => At.Magic;

    private static int VersionOffset => At.Version;

    private static int CommandLineSizeOffset => At.CommandLineSize;

    // The boot protocol version that added cmdline_size (Documentation/arch/x86/boot.rst); the kernel's own loader
    // asks for 2.12, so an older image is refused whatever its command line.
    internal const ushort CommandLineSizeVersion = 0x0206;

    // The kernel's bzImage loader keeps room for " elfcorehdr=0x<16 hex digits>" in every command line, crash kernel
    // or not (MAX_ELFCOREHDR_STR_LEN in arch/x86/kernel/kexec-bzimage64.c). The QEMU test boots a line of exactly the
    // resulting limit on a real kernel.
    internal static readonly int ElfCoreHeaderRoom = " elfcorehdr=0x".Length + 2 * sizeof(ulong); // two hex digits a byte

    /// <summary>How many leading bytes of an image <see cref="CommandLineLimit(ReadOnlySpan{byte})"/> reads.</summary>
    internal static int HeaderBytes => CommandLineSizeOffset + sizeof(uint);

    /// <summary>
    /// The most command-line bytes, counting the terminating NUL (kexec_file_load's cmdline_len), that the kernel's
    /// bzImage loader takes for the image starting with <paramref name="image"/>: its setup header's cmdline_size less
    /// the room the loader keeps for elfcorehdr=. Null when the bytes are not a bzImage that states a cmdline_size.
    /// </summary>
    public static long? CommandLineLimit(ReadOnlySpan<byte> image)
    {
        if (!IsBzImage(image)) return null;
        if (BinaryPrimitives.ReadUInt16LittleEndian(image[VersionOffset..]) < CommandLineSizeVersion) return null;
        return Math.Max(0L, BinaryPrimitives.ReadUInt32LittleEndian(image[CommandLineSizeOffset..]) - (long)ElfCoreHeaderRoom);
    }

    /// <summary>
    /// <see cref="CommandLineLimit(ReadOnlySpan{byte})"/> of the image open in <paramref name="image"/>, read at its start
    /// without moving the file offset; null too where the file cannot be read at an offset (a pipe).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    public static long? CommandLineLimit(SafeFileHandle image)
    {
        ArgumentNullException.ThrowIfNull(image);
        Span<byte> start = stackalloc byte[HeaderBytes];
        int read;
        try
        {
            read = RandomAccess.Read(image, start, 0);
        }
        catch (NotSupportedException)
        {
            return null; // not seekable: the kernel refuses such a descriptor itself
        }
        return CommandLineLimit(start[..read]);
    }
}
