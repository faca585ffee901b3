using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Config;
using KexecGen.Generator.Model;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The generator's own lowering of pread64, pwrite64, fallocate and sync_file_range, proven on ABIs .NET cannot run here:
/// each ABI's register lists, as the generator made them, are written out as C calls to libc's <c>syscall()</c>,
/// compiled by that ABI's cross gcc, and run (natively, or under qemu-user, which hands the calls to this machine's
/// kernel) at offsets beyond 4 GiB of a sparse file. libc's own pread/pwrite (64-bit off_t) read back what the lowered
/// calls wrote and the other way round, and this process reads the file's bytes at the far offsets itself.
/// </summary>
public class WideArgumentRunTests
{
    private const long WriteAt = (5L << 30) + 0x123, LibcWriteAt = (6L << 30) + 0x456, AllocateAt = 7L << 30;

    public static TheoryData<string> RunnableAbis => new(WideArgsBindings.Instance.Arches.Abis.Where(a => a.Gcc?.Run is not null && a.Gcc.Libc is not null).Select(a => a.Name));

    [Fact]
    public void TheThirtyTwoBitAbisNamedByTheIssue_AreAmongThoseRun()
    {
        var run = WideArgsBindings.Instance.Arches.Abis.Where(a => a.Gcc?.Run is not null && a.Gcc.Libc is not null).Select(a => a.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "i386", "arm", "mips_o32", "mipsel_o32", "powerpc", "x86_64", "arm64" }, run);
    }

    [Theory]
    [MemberData(nameof(RunnableAbis))]
    public void LoweredCalls_ReachTheKernel_BeyondFourGiB(string abiName)
    {
        var wide = WideArgsBindings.Instance;
        var abi = wide.Arches.Abis.Single(a => a.Name == abiName);
        var gcc = abi.Gcc!;
        var work = Directory.CreateTempSubdirectory("kexecgen-wide-" + abiName + "-").FullName;
        var source = Path.Combine(work, "wide.c");
        File.WriteAllText(source, Program(wide.Model, abiName));

        var compile = ProcessRunner.Run(gcc.Command, TimeSpan.FromMinutes(2),
            abi.Flags.Concat(gcc.Flags).Concat(new[] { "-static", "-O1", "-D_FILE_OFFSET_BITS=64", "-Wall", "-Werror", "-o", Path.Combine(work, "wide"), source }).ToArray());
        Assert.True(compile.Code == 0, $"{gcc.Command} failed (install {gcc.Package} and {gcc.Libc}, as .ci/run does):\n{compile.Err}");

        var file = Path.Combine(work, "sparse.bin");
        var marker = "kexecgen:" + abiName;
        var program = Path.Combine(work, "wide");
        var (code, stdout, stderr) = gcc.Run == "native"
            ? ProcessRunner.Run(program, TimeSpan.FromMinutes(2), file, marker)
            : ProcessRunner.Run(gcc.Run!, TimeSpan.FromMinutes(2), program, file, marker);

        Assert.True(code == 0, $"{abiName}: exit {code}\n{stdout}\n{stderr}");
        Assert.Equal($"ok {marker}", stdout.Trim());
        // What this process sees in the file: the marker at 5 GiB + 0x123 (not at 1 GiB + 0x123, where a dropped high
        // half would have put it), and the size fallocate gave it at 7 GiB.
        using var stream = File.OpenRead(file);
        Assert.Equal(AllocateAt + 4096, stream.Length);
        var read = new byte[marker.Length];
        stream.Position = WriteAt;
        stream.ReadExactly(read);
        Assert.Equal(marker, Encoding.ASCII.GetString(read));
        stream.Position = WriteAt - (4L << 30);
        stream.ReadExactly(read);
        Assert.All(read, b => Assert.Equal(0, b));
        stream.Close();
        Directory.Delete(work, recursive: true);
    }

    /// <summary>The C program for <paramref name="abi"/>: one function per syscall, passing exactly the generator's registers.</summary>
    internal static string Program(BindingModel model, string abi)
    {
        var c = new StringBuilder("""
            #define _GNU_SOURCE
            #include <errno.h>
            #include <fcntl.h>
            #include <stdint.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/stat.h>
            #include <unistd.h>

            #define LO(v) ((long)(uint32_t)((uint64_t)(v)))
            #define HI(v) ((long)(uint32_t)((uint64_t)(v) >> 32))

            """);
        foreach (var syscall in model.Syscalls.Where(s => s.Name is "pread64" or "pwrite64" or "fallocate" or "sync_file_range"))
        {
            var call = syscall.Calls.Single(x => x.Abi == abi);
            Assert.True(call.Number is not null, $"{abi} lacks {syscall.Name}");
            var parameters = string.Join(", ", syscall.Args.Select(a => (a.Type.EndsWith("*", StringComparison.Ordinal) ? "const void *" : "long long ") + a.CName));
            var registers = call.Registers.Select(r => r.Kind switch
            {
                RegisterModel.Pad => "0L",
                RegisterModel.Low => $"LO({Arg(syscall, r)})",
                RegisterModel.High => $"HI({Arg(syscall, r)})",
                _ => $"(long)({Arg(syscall, r)})",
            });
            c.Append($"/* {abi}: {call.Called}, syscall {call.Number} */\n");
            // libc's syscall() passes six registers after the number (as the generator holds every .NET ABI to);
            // MIPS o32's sync_file_range takes seven, which glibc passes with its own inline syscall, not syscall().
            if (call.Registers.Count > SyscallArguments.MaxRegisters)
            {
                c.Append($"#define SKIP_{syscall.Name.ToUpperInvariant()} /* {call.Registers.Count} registers */\n");
                continue;
            }
            c.Append($"static long call_{syscall.Name}({parameters}) {{ return syscall({call.Number}L, {string.Join(", ", registers)}); }}\n");
        }
        c.Append($$"""

            static int fail(const char *what) { printf("FAIL %s: %s\n", what, strerror(errno)); return 1; }

            int main(int argc, char **argv)
            {
                if (argc != 3) return 2;
                const char *marker = argv[2];
                long long n = (long long)strlen(marker);
                char got[128] = { 0 };
                int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
                if (fd < 0) return fail("open");
                /* Our pwrite64 beyond 4 GiB; libc's pread (64-bit off_t) reads it back. */
                if (call_pwrite64(fd, marker, n, {{WriteAt}}LL) != n) return fail("pwrite64");
                if (pread(fd, got, n, (off_t){{WriteAt}}LL) != n || memcmp(got, marker, n) != 0) return fail("pread of what pwrite64 wrote");
                /* libc's pwrite; our pread64 reads it back. */
                if (pwrite(fd, "libc", 4, (off_t){{LibcWriteAt}}LL) != 4) return fail("pwrite");
                memset(got, 0, sizeof got);
                if (call_pread64(fd, got, 4, {{LibcWriteAt}}LL) != 4 || memcmp(got, "libc", 4) != 0) return fail("pread64 of what pwrite wrote");
                /* Our fallocate beyond 4 GiB: the file grows to its end. */
                if (call_fallocate(fd, 0, {{AllocateAt}}LL, 4096) != 0) return fail("fallocate");
                struct stat st;
                if (fstat(fd, &st) != 0 || (long long)st.st_size != {{AllocateAt}}LL + 4096) return fail("fstat after fallocate");
                /* sync_file_range: a range above 4 GiB is accepted; an offset whose high half makes it negative is not. */
            #ifndef SKIP_SYNC_FILE_RANGE
                if (call_sync_file_range(fd, 4LL << 30, 4096, SYNC_FILE_RANGE_WRITE) != 0) return fail("sync_file_range");
                errno = 0;
                if (call_sync_file_range(fd, (long long)0xffffffff00000000ULL, 4096, SYNC_FILE_RANGE_WRITE) != -1 || errno != EINVAL) return fail("sync_file_range of a negative offset");
            #endif
                close(fd);
                printf("ok %s\n", marker);
                return 0;
            }

            """);
        return c.ToString();
    }

    private static string Arg(SyscallModel syscall, RegisterModel register) => syscall.Args.Single(a => a.Name == register.Arg).CName;
}
