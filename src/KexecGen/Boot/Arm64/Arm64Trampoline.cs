using System;
using System.Buffers.Binary;

namespace KexecGen.Boot.Arm64;

/// <summary>
/// The few instructions the old kernel jumps to after kexec_load, which enter an arm64 Image as its boot protocol
/// wants. Position-independent code; its literals are absolute addresses.
/// </summary>
internal static class Arm64Trampoline
{
    /// <summary>Size of <see cref="Build"/>'s code and literals.</summary>
    public const int Size = 0x28;

    /// <summary>
    /// arm64 (Documentation/arch/arm64/booting.rst): the old kernel enters with the MMU off and x0..x3 = 0 for
    /// kexec_load; the new kernel wants x0 = the DTB's physical address and x1..x3 = 0.
    /// <code>
    /// 0x00  580000c0  ldr  x0, 0x18     x0 = the DTB's address (literal at +0x18)
    /// 0x04  aa1f03e1  mov  x1, xzr      x1..x3 = 0, as booting.rst reserves them
    /// 0x08  aa1f03e2  mov  x2, xzr
    /// 0x0c  aa1f03e3  mov  x3, xzr
    /// 0x10  58000084  ldr  x4, 0x20     x4 = the Image's first instruction (literal at +0x20)
    /// 0x14  d61f0080  br   x4
    /// 0x18  .quad dtb                   little-endian, as the instructions are
    /// 0x20  .quad kernel
    /// </code>
    /// Literal loads are PC-relative, so the code runs wherever it lands; the literals are absolute addresses.
    /// </summary>
    public static byte[] Build(ulong deviceTree, ulong kernel)
    {
        var code = new byte[Size];
        var s = code.AsSpan();
        uint[] words =
        {
            LoadLiteral(register: 0, from: 0x00, literal: 0x18),
            MoveZero(1), MoveZero(2), MoveZero(3),
            LoadLiteral(register: 4, from: 0x10, literal: 0x20),
            0xd61f0000u | (4u << 5), // br x4
        };
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(s[(i * 4)..], words[i]);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x18..], deviceTree);
        BinaryPrimitives.WriteUInt64LittleEndian(s[0x20..], kernel);
        return code;
    }

    // LDR (literal), 64-bit: 0x58000000 | imm19 << 5 | Rt, imm19 the word offset from the instruction.
    private static uint LoadLiteral(uint register, int from, int literal) => 0x58000000u | ((uint)((literal - from) / 4) << 5) | register;

    // MOV Xd, XZR is ORR Xd, XZR, XZR: 0xaa000000 | Rm(31) << 16 | Rn(31) << 5 | Rd.
    private static uint MoveZero(uint register) => 0xaa000000u | (31u << 16) | (31u << 5) | register;
}
