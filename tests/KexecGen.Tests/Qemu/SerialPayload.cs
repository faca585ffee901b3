using System;
using System.Buffers.Binary;
using System.Text;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// A tiny x86-64 program for kexec_load, as an ELF executable: entered in 64-bit mode with memory identity-mapped, it
/// writes a line to the serial port (0x3f8) and ends QEMU through its isa-debug-exit port.
/// </summary>
internal static class SerialPayload
{
    public const ulong LoadAddress = 0x1000000; // 16 MiB

    /// <summary>The ELF file: one PT_LOAD at <see cref="LoadAddress"/>, entered at its first byte.</summary>
    public static byte[] Elf(string line, byte exitValue)
    {
        var code = Code(line, exitValue);
        const int codeOffset = 0x1000;
        var elf = new byte[codeOffset + code.Length];
        var s = elf.AsSpan();
        new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }.CopyTo(s); // ELF64, little-endian, version 1
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 2);        // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 62);       // EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);        // EV_CURRENT
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], LoadAddress); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64);       // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);       // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);       // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 1);        // e_phnum
        var ph = s[64..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);             // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5);        // R+X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[8..], codeOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], LoadAddress); // p_vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], LoadAddress); // p_paddr
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)code.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)code.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        code.CopyTo(s[codeOffset..]);
        return elf;
    }

    // mov dx,0x3f8; lea rsi,[rip+text]; 1: lodsb; test al,al; jz 2f; out dx,al; jmp 1b;
    // 2: mov dx,0xf4; mov al,exit; out dx,al; 3: hlt; jmp 3b; text: …
    private static byte[] Code(string line, byte exitValue)
    {
        var text = Encoding.ASCII.GetBytes(line + "\r\n\0");
        var code = new byte[]
        {
            0x66, 0xBA, 0xF8, 0x03,             // mov dx, 0x3f8
            0x48, 0x8D, 0x35, 0, 0, 0, 0,       // lea rsi, [rip + rel32]
            0xAC,                               // lodsb
            0x84, 0xC0,                         // test al, al
            0x74, 0x03,                         // jz +3
            0xEE,                               // out dx, al
            0xEB, 0xF8,                         // jmp lodsb
            0x66, 0xBA, (byte)QemuMachine.DebugExitPort, 0x00, // mov dx, 0xf4
            0xB0, exitValue,                    // mov al, exit
            0xEE,                               // out dx, al
            0xF4,                               // hlt
            0xEB, 0xFD,                         // jmp hlt
        };
        int rel = code.Length - 11;             // from the end of the lea to the text
        BinaryPrimitives.WriteInt32LittleEndian(code.AsSpan(7), rel);
        var all = new byte[code.Length + text.Length];
        code.CopyTo(all, 0);
        text.CopyTo(all, code.Length);
        return all;
    }
}
