using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;
using KexecGen.Boot.X86;
using KexecGen.Boot.Arm64;

namespace KexecGen.Tests.Boot;

/// <summary>The trampolines as a disassembler reads them (binutils' objdump for aarch64 and for x86-64).</summary>
public class TrampolineTests
{
    [Fact]
    public void Arm64_SetsX0ToTheDeviceTree_ZeroesX1ToX3_AndBranchesToTheImage()
    {
        const ulong dtb = 0x4820_0000, kernel = 0x4020_0000;
        var code = Arm64Trampoline.Build(dtb, kernel);

        var lines = Disassemble("aarch64-linux-gnu-objdump", "aarch64", code, Arm64Trampoline.Size - 16);
        Assert.Equal(new[] { "ldr x0, 0x18", "mov x1, xzr", "mov x2, xzr", "mov x3, xzr", "ldr x4, 0x20", "br x4" }, lines);
        Assert.Equal(dtb, BitConverter.ToUInt64(code, 0x18));
        Assert.Equal(kernel, BitConverter.ToUInt64(code, 0x20));
    }

    [Fact]
    public void X86_64_LoadsItsGdt_ReloadsSegments_SetsRsi_AndJumpsToThe64BitEntry()
    {
        const ulong at = 0x10_2000, bootParams = 0x10_1000, entry = 0x100_0200;
        var code = X86Trampoline.Build(at, bootParams, entry);

        var lines = Disassemble("objdump", "i386:x86-64", code, 0x3a, "-M", "intel");
        Assert.Equal(new[]
        {
            "cli",
            "lea rsp,[rip+0xff8] # 0x1000",
            "lgdt [rip+0x51] # 0x60",
            "mov eax,0x18",
            "mov ds,eax", "mov es,eax", "mov ss,eax", "mov fs,eax", "mov gs,eax",
            "push 0x10",
            "lea rax,[rip+0x3] # 0x2a",
            "push rax",
            "retfq",
            "mov rsi,QWORD PTR [rip+0x3f] # 0x70",
            "mov rax,QWORD PTR [rip+0x40] # 0x78",
            "jmp rax",
        }, lines);
        Assert.Equal(0UL, BitConverter.ToUInt64(code, 0x40));
        Assert.Equal(0UL, BitConverter.ToUInt64(code, 0x48));
        Assert.Equal(0x00af9a000000ffffUL, BitConverter.ToUInt64(code, 0x50)); // selector 0x10: 64-bit code, present, ring 0
        Assert.Equal(0x00cf92000000ffffUL, BitConverter.ToUInt64(code, 0x58)); // selector 0x18: flat writable data
        Assert.Equal(0x1f, BitConverter.ToUInt16(code, 0x60));
        Assert.Equal(at + 0x40, BitConverter.ToUInt64(code, 0x62));
        Assert.Equal(bootParams, BitConverter.ToUInt64(code, 0x70));
        Assert.Equal(entry, BitConverter.ToUInt64(code, 0x78));
    }

    // objdump's instructions for the first `length` bytes, as "mnemonic operands # target", whitespace collapsed.
    private static string[] Disassemble(string objdump, string machine, byte[] code, int length, params string[] extra)
    {
        var file = Path.Combine(Path.GetTempPath(), $"kexecgen-trampoline-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(file, code[..length]);
        var (exit, output, err) = ProcessRunner.Run(objdump, TimeSpan.FromMinutes(1), [.. new[] { "-D", "-b", "binary", "-m", machine }, .. extra, file]);
        Assert.True(exit == 0, $"{objdump} failed (binutils; .ci/run installs it): {err}");
        return output.Split('\n')
            .Select(l => Regex.Match(l, @"^\s*[0-9a-f]+:\t[0-9a-f ]+\t(.+)$"))
            .Where(m => m.Success)
            .Select(m => Regex.Replace(m.Groups[1].Value, @"\s+", " ").Trim())
            .ToArray();
    }
}
