using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace KexecGen.Scanner;

/// <summary>
/// Reads the bytes behind the defined symbols of a relocatable ELF object, 32- or 64-bit, either byte order:
/// how a value computed by a cross compiler is read back without running its code (as x/sys's mkerrors does).
/// </summary>
internal sealed class ElfSymbols
{
    private readonly byte[] _image;
    private readonly bool _bigEndian;
    private readonly Dictionary<string, (int Offset, int Size, bool NoBits)> _symbols = new(StringComparer.Ordinal);

    public ElfSymbols(byte[] image)
    {
        _image = image;
        if (image.Length < 52 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
        {
            throw new ScanException("the compiler's output is not an ELF object");
        }
        bool is64 = image[4] == 2;
        _bigEndian = image[5] == 2;
        long shoff = is64 ? (long)U64(0x28) : U32(0x20);
        int shentsize = U16(is64 ? 0x3A : 0x2E), shnum = U16(is64 ? 0x3C : 0x30);

        var sections = new List<(uint Type, long Offset, long Size, uint Link, long EntSize)>();
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            sections.Add(is64
                ? (U32(h + 4), (long)U64(h + 0x18), (long)U64(h + 0x20), U32(h + 0x28), (long)U64(h + 0x38))
                : (U32(h + 4), U32(h + 0x10), U32(h + 0x14), U32(h + 0x18), U32(h + 0x24)));
        }
        const uint SymTab = 2, NoBits = 8;
        foreach (var symtab in sections.FindAll(s => s.Type == SymTab))
        {
            var strtab = sections[(int)symtab.Link];
            for (long at = symtab.Offset; at + symtab.EntSize <= symtab.Offset + symtab.Size; at += symtab.EntSize)
            {
                uint nameOffset = U32(at);
                long value = is64 ? (long)U64(at + 8) : U32(at + 4);
                long size = is64 ? (long)U64(at + 16) : U32(at + 8);
                int shndx = U16(is64 ? at + 6 : at + 14);
                if (shndx == 0 || shndx >= sections.Count) continue; // undefined, absolute or special
                var section = sections[shndx];
                _symbols[CString(strtab.Offset + nameOffset)] = ((int)(section.Offset + value), (int)size, section.Type == NoBits);
            }
        }
    }

    /// <summary>The unsigned integer stored at <paramref name="symbol"/>, in the object's byte order; null when absent.</summary>
    public ulong? Read(string symbol)
    {
        if (!_symbols.TryGetValue(symbol, out var s)) return null;
        if (s.NoBits) return 0; // zero-initialised data occupies no bytes in the file
        var bytes = _image.AsSpan(s.Offset, s.Size);
        return s.Size switch
        {
            1 => bytes[0],
            2 => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            4 => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            8 => _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            _ => throw new ScanException($"symbol {symbol} has size {s.Size}, not an integer's"),
        };
    }

    /// <summary>The bytes stored at <paramref name="symbol"/>; null when absent.</summary>
    public byte[]? Bytes(string symbol)
    {
        if (!_symbols.TryGetValue(symbol, out var s)) return null;
        return s.NoBits ? new byte[s.Size] : _image.AsSpan(s.Offset, s.Size).ToArray();
    }

    private ushort U16(long at) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(_image.AsSpan((int)at)) : BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan((int)at));

    private uint U32(long at) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(_image.AsSpan((int)at)) : BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan((int)at));

    private ulong U64(long at) => _bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(_image.AsSpan((int)at)) : BinaryPrimitives.ReadUInt64LittleEndian(_image.AsSpan((int)at));

    private string CString(long at)
    {
        int end = Array.IndexOf(_image, (byte)0, (int)at);
        return Encoding.ASCII.GetString(_image, (int)at, end - (int)at);
    }
}
