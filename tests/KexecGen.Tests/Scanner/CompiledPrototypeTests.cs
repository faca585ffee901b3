using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Prototypes only from code the ABI's kernel builds, on the pinned kernel source: each table's config (arches.yaml)
/// decides the #if and Makefile conditions around a declaration, and is itself held to the tables.
/// </summary>
public class CompiledPrototypeTests
{
    private static string Source => Repo.Arches.Kernel.SourceFolder;

    private static (AbiSpec Abi, KernelConfig Config) Of(string abi, int pointerSize)
    {
        var spec = Repo.Arches.Abis.Single(a => a.Name == abi);
        return (spec, KernelConfig.For(spec.Table, pointerSize));
    }

    // Each was taken before from code the ABI's kernel does not build.
    [Theory]
    // i386's own sys_mmap came from arch/x86/kernel/sys_x86_64.c, which the Makefile builds for X86_64 only.
    [InlineData("i386", 4, "sys_mmap", null)]
    // powerpc64's rt_sigreturn came from signal_32.c's #ifndef CONFIG_PPC64 code.
    [InlineData("powerpc64", 8, "sys_rt_sigreturn", "arch/powerpc/kernel/signal_64.c")]
    // 32-bit parisc's sys_truncate64 came from sys_parisc.c's CONFIG_64BIT stub, with an unsigned long length.
    [InlineData("parisc", 4, "sys_truncate64", "include/linux/syscalls.h")]
    // riscv32's kernel has no mmap: sys_riscv.c defines it under CONFIG_64BIT only.
    [InlineData("riscv32", 4, "sys_mmap", null)]
    [InlineData("riscv64", 8, "sys_mmap", "arch/riscv/kernel/sys_riscv.c")]
    // The 64-bit kernels do not build include/linux/syscalls.h's BITS_PER_LONG == 32 declarations.
    [InlineData("x86_64", 8, "sys_fcntl64", null)]
    public void APrototype_IsTakenOnlyFromCodeTheAbisKernelBuilds(string abi, int pointerSize, string symbol, string? file)
    {
        var (spec, config) = Of(abi, pointerSize);

        var found = PrototypeScanner.Find(Source, spec.KernelArch, symbol, bigEndian: abi is "parisc", config);

        Assert.Equal(file, found?.Source.Split(':')[0]);
        // The 32-bit kernel's: a 64-bit length.
        if (abi == "parisc") Assert.Equal("loff_t", found!.Parameters.Single(p => p.Name == "length").Type);
    }

    // A config that says too much or too little shows in the tables: every function an ABI's table runs is built by
    // that ABI's kernel, so each must have a declaration its config keeps wherever the source declares it at all.
    [Fact]
    public void EveryFunctionATableRuns_HasADeclarationItsKernelBuilds()
    {
        var names = FullTableText.TableNames(Repo.Arches);
        var lost = new List<string>();
        int checkedEntries = 0;
        foreach (var abi in Repo.Arches.Abis.Where(a => a.Table is not null))
        {
            var config = KernelConfig.For(abi.Table, Repo.Scanned(abi.Name).PointerSize);
            foreach (var name in names)
            {
                if (PrototypeScanner.Entry(Source, abi.KernelArch, abi.Table!, name) is not { } entry || entry == ScannedPrototype.NotImplementedEntry) continue;
                if (PrototypeScanner.Declarations(Source, abi.KernelArch, entry, false, null) is null) continue;
                checkedEntries++;
                if (PrototypeScanner.Declarations(Source, abi.KernelArch, entry, false, config) is null) lost.Add($"{abi.Name}: {name} runs {entry}");
            }
        }
        Assert.True(lost.Count == 0, "declared only in code the config says is not built:\n" + string.Join("\n", lost));
        Assert.True(checkedEntries > 8000, $"only {checkedEntries} entries checked");
    }

    [Fact]
    public void TheArgumentNames_OfDeclarationsWithout_AreTheDefinitions()
    {
        var (spec, config) = Of("x86_64", 8);

        var accept = PrototypeScanner.Find(Source, spec.KernelArch, "sys_accept", false, config)!;

        Assert.Equal("include/linux/syscalls.h", accept.Source.Split(':')[0]);
        Assert.Equal("fd upeer_sockaddr upeer_addrlen", string.Join(" ", accept.Parameters.Select(p => p.Name)));
    }
}
