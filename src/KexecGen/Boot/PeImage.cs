using System;
using System.Buffers.Binary;

namespace KexecGen.Boot;

/// <summary>
/// The PE/COFF header an EFI-stub kernel carries (arm64 Image and x86 bzImage alike): its section table says how long
/// the file must be, which is how a truncated kernel is told from a whole one before anything is loaded.
/// </summary>
internal static class PeImage
{
    /// <summary>Throws when the image has a PE header whose sections reach past the end of the file.</summary>
    /// <exception cref="FormatException">The file is shorter than its sections say.</exception>
    public static void CheckComplete(ReadOnlySpan<byte> image, string what)
    {
        if (image.Length < 0x40 || image[0] != (byte)'M' || image[1] != (byte)'Z') return;
        uint pe = BinaryPrimitives.ReadUInt32LittleEndian(image[0x3c..]);
        if (pe > (uint)image.Length - 24 || !image.Slice((int)pe, 4).SequenceEqual("PE\0\0"u8)) return;
        int sections = BinaryPrimitives.ReadUInt16LittleEndian(image[(int)(pe + 6)..]);
        int optional = BinaryPrimitives.ReadUInt16LittleEndian(image[(int)(pe + 20)..]);
        long table = pe + 24L + optional;
        ulong needed = 0;
        for (int i = 0; i < sections; i++)
        {
            long at = table + i * 40L;
            if (at + 40 > image.Length) throw new FormatException($"the {what} is truncated: its PE section table ends past the file's {image.Length} bytes");
            ulong size = BinaryPrimitives.ReadUInt32LittleEndian(image[(int)(at + 16)..]);
            ulong offset = BinaryPrimitives.ReadUInt32LittleEndian(image[(int)(at + 20)..]);
            needed = Math.Max(needed, offset + size);
        }
        if (needed > (ulong)image.Length) throw new FormatException($"the {what} is truncated: its sections need {needed} bytes, the file has {image.Length}");
    }
}
