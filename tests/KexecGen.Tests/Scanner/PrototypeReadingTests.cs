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

    [Theory]
    [InlineData("defined(CONFIG_64BIT)", true)]
    [InlineData("defined(CONFIG_32BIT) || defined(CONFIG_COMPAT)", null)]
    [InlineData("defined(CONFIG_64BIT) || defined(CONFIG_COMPAT)", true)]
    [InlineData("BITS_PER_LONG == 32", false)]
    [InlineData("!defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER) && BITS_PER_LONG == 32", false)]
    [InlineData("IS_ENABLED(CONFIG_X86_64) && !defined(CONFIG_X86_32)", true)]
    [InlineData("defined(__KERNEL__) && defined(CONFIG_X86_32)", false)]
    [InlineData("!(defined(CONFIG_X86_64))", false)]
    [InlineData("defined(CONFIG_COMPAT)", null)]
    [InlineData("!defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)", null)]
    [InlineData("defined(CONFIG_HAVE_UID16) && defined(CONFIG_64BIT)", null)]
    [InlineData("__is_defined(CONFIG_FOO) || 1", true)]
    [InlineData("defined(", null)]
    public void Conditions_AreDecided_OnlyOnTheSymbolsTheConfigDecides(string condition, bool? holds)
    {
        // An x86_64 kernel: 64BIT and X86_64 set, X86_32 decided unset (i386's kernel sets it); nothing else decided.
        var table = new TableSpec("t.tbl", new[] { "64" }.ToEquatableArray(), new[] { "64BIT", "X86_64" }.ToEquatableArray(), new[] { "X86_32" }.ToEquatableArray());

        Assert.Equal(holds, KernelConfig.For(table, pointerSize: 8).Holds(condition));
    }

    [Fact]
    public void WithoutAConfig_TheKernelsBitness_IsThePointersSize()
    {
        Assert.True(KernelConfig.For(null, pointerSize: 4).Holds("BITS_PER_LONG == 32"));
        Assert.False(KernelConfig.For(null, pointerSize: 8).Holds("defined(CONFIG_32BIT)"));
        Assert.Null(KernelConfig.For(null, pointerSize: 8).Holds("defined(CONFIG_X86_64)"));
    }

    [Fact]
    public void ADeclaration_InCodeTheAbisKernelDoesNotBuild_IsNotItsPrototype()
    {
        var root = Directory.CreateTempSubdirectory("kexecgen-src-").FullName;
        Write(root, "include/linux/syscalls.h", """
            #ifndef CONFIG_ARCH_HAS_SYSCALL_WRAPPER
            asmlinkage long sys_mmap2(unsigned long addr, unsigned long len, unsigned long pgoff);
            #if BITS_PER_LONG == 32
            asmlinkage long sys_fcntl64(unsigned int fd, unsigned int cmd, unsigned long arg);
            #endif
            asmlinkage long sys_mmap(unsigned long, unsigned long);
            #endif
            """);
        Write(root, "arch/toy/kernel/Makefile", """
            obj-y += sys_toy.o \
            	signal.o
            obj-$(CONFIG_64BIT) += sys_toy_64.o
            ifeq ($(CONFIG_32BIT),y)
            obj-y += sys_toy_32.o
            else
            obj-y += compat.o
            endif
            """);
        Write(root, "arch/toy/kernel/sys_toy.c", """
            #if defined(CONFIG_32BIT)
            SYSCALL_DEFINE4(mmap2, unsigned long, addr, unsigned long, len,
            	unsigned long, prot, unsigned long, pgoff)
            {
            }
            #elif defined(CONFIG_UNKNOWN_TO_ARCHES)
            SYSCALL_DEFINE1(sigreturn, int, a)
            #else
            SYSCALL_DEFINE2(sigreturn, long, b, long, c)
            #endif
            """);
        Write(root, "arch/toy/kernel/sys_toy_64.c", "SYSCALL_DEFINE3(mmap, unsigned long, addr, unsigned long, len, int, wide)\n");
        Write(root, "arch/toy/kernel/sys_toy_32.c", "SYSCALL_DEFINE2(uname32, int, a, int, b)\n");
        Write(root, "arch/toy/kernel/compat.c", "SYSCALL_DEFINE2(uname64, int, a, int, b)\n");
        var table = new TableSpec("t.tbl", new[] { "common" }.ToEquatableArray(), new[] { "64BIT" }.ToEquatableArray());
        var sixtyFour = KernelConfig.For(table, 8);
        var thirtyTwo = KernelConfig.For(table with { Config = new[] { "32BIT" }.ToEquatableArray() }, 4);
        string? Source(string symbol, KernelConfig config) => PrototypeScanner.Find(root, "toy", symbol, bigEndian: false, config)?.Source;

        // An #if the 64-bit kernel does not build: the generic declaration instead; on the 32-bit kernel, the arch's.
        Assert.Equal("include/linux/syscalls.h:2", Source("sys_mmap2", sixtyFour));
        Assert.Equal("arch/toy/kernel/sys_toy.c:2", Source("sys_mmap2", thirtyTwo));
        Assert.Null(Source("sys_fcntl64", sixtyFour));
        Assert.Equal("include/linux/syscalls.h:4", Source("sys_fcntl64", thirtyTwo));
        // A file the Makefile builds only for 64BIT.
        Assert.Equal("arch/toy/kernel/sys_toy_64.c:1", Source("sys_mmap", sixtyFour));
        Assert.Equal("include/linux/syscalls.h:6", Source("sys_mmap", thirtyTwo));
        Assert.Null(Source("sys_uname64", thirtyTwo));
        Assert.Equal("arch/toy/kernel/compat.c:1", Source("sys_uname64", sixtyFour));
        Assert.Equal("arch/toy/kernel/sys_toy_32.c:1", Source("sys_uname32", thirtyTwo));
        Assert.Null(Source("sys_uname32", sixtyFour));
        // A branch on what arches.yaml does not decide is kept: two that differ give no prototype rather than a guess;
        // the #else of a decided #if is the other branch.
        Assert.Null(Source("sys_sigreturn", sixtyFour));
        Assert.Equal("b c", string.Join(" ", PrototypeScanner.Find(root, "toy", "sys_sigreturn", false, KernelConfig.For(table with { Unset = new[] { "UNKNOWN_TO_ARCHES" }.ToEquatableArray() }, 8))!.Parameters.Select(p => p.Name)));
    }

    [Fact]
    public void ADeclarationWithoutNames_TakesThoseOfTheKernelsOneDefinition()
    {
        var root = Directory.CreateTempSubdirectory("kexecgen-src-").FullName;
        Write(root, "include/linux/syscalls.h", """
            asmlinkage long sys_accept(int, struct sockaddr __user *, int __user *);
            asmlinkage long sys_bind(int, struct sockaddr __user *, int);
            asmlinkage long sys_listen(int, int);
            """);
        Write(root, "net/socket.c", """
            SYSCALL_DEFINE3(accept, int, fd, struct sockaddr __user *, upeer_sockaddr,
            		int __user *, upeer_addrlen)
            {
            }
            SYSCALL_DEFINE3(bind, int, fd, struct sockaddr __user *, umyaddr, int, addrlen)
            SYSCALL_DEFINE2(listen, int, fd, int, backlog)
            """);
        Write(root, "net/other.c", "SYSCALL_DEFINE3(bind, int, sock, struct sockaddr __user *, address, int, length)\n");

        Assert.Equal("fd upeer_sockaddr upeer_addrlen", string.Join(" ", PrototypeScanner.Find(root, "toy", "sys_accept", false)!.Parameters.Select(p => p.Name)));
        Assert.Equal("int|struct sockaddr *|int *", string.Join("|", PrototypeScanner.Find(root, "toy", "sys_accept", false)!.Parameters.Select(p => p.Type)));
        Assert.Equal("fd backlog", string.Join(" ", PrototypeScanner.Find(root, "toy", "sys_listen", false)!.Parameters.Select(p => p.Name)));
        // Defined twice with other names: the declaration's own (none) stay.
        Assert.Equal("arg1 arg2 arg3", string.Join(" ", PrototypeScanner.Find(root, "toy", "sys_bind", false)!.Parameters.Select(p => p.Name)));
    }

    private static void Write(string root, string relative, string text)
    {
        var path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text.Replace("\r", "", StringComparison.Ordinal));
    }
}
