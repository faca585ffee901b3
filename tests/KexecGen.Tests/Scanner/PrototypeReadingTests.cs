using System;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>How the scanner reads the kernel's syscall declarations, on small sources written here in the kernel's own forms.</summary>
public class PrototypeReadingTests
{
    [Theory]
    [InlineData("unsigned int fd, char __user *buf, size_t count, loff_t pos", "fd:unsigned int|buf:char *|count:size_t|pos:loff_t")]
    [InlineData("aio_context_t, long, struct iocb __user * __user *", "arg1:aio_context_t|arg2:long|arg3:struct iocb **")]
    [InlineData("int, unsigned long, unsigned", "arg1:int|arg2:unsigned long|arg3:unsigned")]
    [InlineData("const char __user *filename, unsigned flags, struct foo", "filename:const char *|flags:unsigned|arg3:struct foo")]
    [InlineData("void", "")]
    public void Parameters_AreReadAsTheKernelWritesThem(string parameters, string expected)
    {
        var parsed = PrototypeScanner.Parse(parameters);

        Assert.NotNull(parsed);
        Assert.Equal(expected, string.Join("|", parsed!.Select(p => $"{p.Name}:{p.Type}")));
        Assert.All(parsed!, p => Assert.Equal(p.Type.EndsWith('*'), p.Pointer));
    }

    [Theory]
    [InlineData("void (*handler)(int), int sig")]
    [InlineData("int fd, ...")]
    public void FormsNotUnderstood_GiveNoPrototype(string parameters) => Assert.Null(PrototypeScanner.Parse(parameters));

    [Fact]
    public void TheArchsOwnDefinition_ComesFirst_WithItsHalvesInTheAbisByteOrder_AndACallIsNoDeclaration()
    {
        var root = Directory.CreateTempSubdirectory("kexecgen-src-").FullName;
        Write(root, "include/linux/syscalls.h", """
            asmlinkage long sys_sync_file_range(int fd, loff_t offset, loff_t nbytes,
                                                unsigned int flags);
            asmlinkage long sys_clone(unsigned long, unsigned long, int __user *);
            asmlinkage long sys_clone(unsigned long, unsigned long, int, int __user *);
            """);
        Write(root, "arch/toy/kernel/sys_toy.c", """
            /* the arch's own entry point, as SuperH writes one */
            SYSCALL_DEFINE6(toy_sync_file_range6, int, fd, SC_ARG64(offset),
                            SC_ARG64(nbytes), unsigned int, flags)
            {
                    return sys_sync_file_range(fd, offset, nbytes, flags);
            }
            """);

        var generic = PrototypeScanner.Find(root, "toy", "sys_sync_file_range", bigEndian: false);
        var little = PrototypeScanner.Find(root, "toy", "sys_toy_sync_file_range6", bigEndian: false);
        var big = PrototypeScanner.Find(root, "toy", "sys_toy_sync_file_range6", bigEndian: true);

        // The call inside the arch's function is not taken for a declaration: the generic one is found, at its line.
        Assert.Equal("include/linux/syscalls.h:1", generic!.Source);
        Assert.Equal("fd offset nbytes flags", string.Join(" ", generic.Parameters.Select(p => p.Name)));
        Assert.Equal("arch/toy/kernel/sys_toy.c:2", little!.Source);
        Assert.Equal("fd offset_lo offset_hi nbytes_lo nbytes_hi flags", string.Join(" ", little.Parameters.Select(p => p.Name)));
        Assert.Equal("fd offset_hi offset_lo nbytes_hi nbytes_lo flags", string.Join(" ", big!.Parameters.Select(p => p.Name)));
        // Declared twice differently (per configuration): no prototype rather than a guess.
        Assert.Null(PrototypeScanner.Find(root, "toy", "sys_clone", bigEndian: false));
    }

    [Fact]
    public void TheTablesEntryPoint_IsTheAbisColumn_AfterTheArchsRedirection()
    {
        var root = Directory.CreateTempSubdirectory("kexecgen-src-").FullName;
        Write(root, "arch/toy/tbl/syscall.tbl", """
            # comment
            180	32	pread64		sys_toy_pread64
            180	64	pread64		sys_pread64
            223	32	fadvise64_64	sys_fadvise64_64
            """);
        Write(root, "arch/toy/kernel/syscall_table.c", "#define sys_fadvise64_64 sys_toy_fadvise64_64\n");
        var thirtyTwo = new TableSpec("arch/toy/tbl/syscall.tbl", new[] { "common", "32" }.ToEquatableArray());
        var sixtyFour = new TableSpec("arch/toy/tbl/syscall.tbl", new[] { "common", "64" }.ToEquatableArray());

        Assert.Equal("sys_toy_pread64", PrototypeScanner.Entry(root, "toy", thirtyTwo, "pread64"));
        Assert.Equal("sys_pread64", PrototypeScanner.Entry(root, "toy", sixtyFour, "pread64"));
        Assert.Equal("sys_toy_fadvise64_64", PrototypeScanner.Entry(root, "toy", thirtyTwo, "fadvise64_64"));
        Assert.Null(PrototypeScanner.Entry(root, "toy", sixtyFour, "fadvise64_64"));
        var missing = Assert.Throws<ScanException>(() => PrototypeScanner.Entry(root, "toy", new TableSpec("arch/toy/none.tbl", thirtyTwo.Abis), "pread64"));
        Assert.Contains("install-uapi-headers", missing.Message, StringComparison.Ordinal);
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r", "", StringComparison.Ordinal));
    }
}
