using System;
using System.Buffers.Binary;

namespace KexecGen.Boot.X86;

/// <summary>
/// The few instructions the old kernel jumps to after kexec_load, which enter a bzImage by the 64-bit boot protocol.
/// Position-dependent: it is built for the address it is placed at.
/// </summary>
internal static class X86Trampoline
{
    /// <summary>Bytes of <see cref="Build"/>'s code, GDT and literals; its stack is the rest of its page.</summary>
    public const int Size = 0x80;

    /// <summary>
    /// x86_64 (Documentation/arch/x86/boot.rst, 64-bit boot protocol): the old kernel enters in long mode on an identity
    /// map, with the GDT and IDT invalid and every register zero; the kernel wants a flat __BOOT_CS (0x10) and __BOOT_DS
    /// (0x18), interrupts off, rsi = boot_params, and a jump to its 64-bit entry (load address + 0x200).
    /// <code>
    /// 0x00  fa                    cli
    /// 0x01  48 8d 25 f8 0f 00 00  lea   rsp, [rip + 0xff8]    stack: the top of this page
    /// 0x08  0f 01 15 51 00 00 00  lgdt  [rip + 0x51]          the descriptor at +0x60
    /// 0x0f  b8 18 00 00 00        mov   eax, 0x18             flat data
    /// 0x14  8e d8                 mov   ds, eax
    /// 0x16  8e c0                 mov   es, eax
    /// 0x18  8e d0                 mov   ss, eax
    /// 0x1a  8e e0                 mov   fs, eax
    /// 0x1c  8e e8                 mov   gs, eax
    /// 0x1e  6a 10                 push  0x10                  flat 64-bit code
    /// 0x20  48 8d 05 03 00 00 00  lea   rax, [rip + 0x3]      the next instruction, at +0x2a
    /// 0x27  50                    push  rax
    /// 0x28  48 cb                 lretq                       reloads cs
    /// 0x2a  48 8b 35 3f 00 00 00  mov   rsi, [rip + 0x3f]     boot_params (literal at +0x70)
    /// 0x31  48 8b 05 40 00 00 00  mov   rax, [rip + 0x40]     the 64-bit entry (literal at +0x78)
    /// 0x38  ff e0                 jmp   rax
    /// 0x40  GDT: null, null, 0x00af9a000000ffff (code), 0x00cf92000000ffff (data)
    /// 0x60  GDT descriptor: limit 0x1f, base = this page + 0x40
    /// 0x70  .quad boot_params
    /// 0x78  .quad entry
    /// </code>
    /// </summary>
    /// <param name="at">The physical address the trampoline is placed at; page-aligned, with its page to itself.</param>
    /// <param name="bootParams">The physical address of boot_params.</param>
    /// <param name="entry">The kernel's 64-bit entry point.</param>
    public static byte[] Build(ulong at, ulong bootParams, ulong entry)
    {
        var code = new byte[Size];
        ReadOnlySpan<byte> text =
        [
            0xfa,
            0x48, 0x8d, 0x25, 0xf8, 0x0f, 0x00, 0x00,
            0x0f, 0x01, 0x15, 0x51, 0x00, 0x00, 0x00,
            0xb8, 0x18, 0x00, 0x00, 0x00,
            0x8e, 0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x8e, 0xe0, 0x8e, 0xe8,
            0x6a, 0x10,
            0x48, 0x8d, 0x05, 0x03, 0x00, 0x00, 0x00,
            0x50,
            0x48, 0xcb,
            0x48, 0x8b, 0x35, 0x3f, 0x00, 0x00, 0x00,
            0x48, 0x8b, 0x05, 0x40, 0x00, 0x00, 0x00,
            0xff, 0xe0,
        ];
        text.CopyTo(code);
        var s = code.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x50..], 0x00af9a000000ffff);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x58..], 0x00cf92000000ffff);
        BinaryPrimitives.WriteUInt16LittleEndian(s[0x60..], 4 * 8 - 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x62..], at + 0x40);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x70..], bootParams);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x78..], entry);
        return code;
    }
}
