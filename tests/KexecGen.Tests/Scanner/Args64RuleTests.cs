using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// arches.yaml's args64 rules against glibc's own statement of them: each ABI's cross gcc preprocesses glibc's
/// kernel-features.h for that ABI (sysdeps/unix/sysv/linux/&lt;args64.glibc&gt;, from Debian's glibc-source), and the
/// rule follows from the macros glibc's sysdep.h reads (__WORDSIZE, __ASSUME_WORDSIZE64_ILP32 → one register;
/// __ASSUME_ALIGNED_REGISTER_PAIRS → an aligned pair; else a pair; __ASSUME_PRW_DUMMY_ARG → pread64/pwrite64 padded), the
/// byte order from its endian.h. No rule is copied from the code under test.
/// </summary>
public class Args64RuleTests
{
    private const string Probe = """
        #include <kernel-features.h>
        #include <endian.h>
        #if __WORDSIZE == 64 || defined __ASSUME_WORDSIZE64_ILP32
        # define KEXECGEN_RULE register
        #elif defined __ASSUME_ALIGNED_REGISTER_PAIRS
        # define KEXECGEN_RULE aligned-pair
        #else
        # define KEXECGEN_RULE pair
        #endif
        #ifdef __ASSUME_PRW_DUMMY_ARG
        # define KEXECGEN_PADDED pread64,pwrite64
        #endif
        #if __BYTE_ORDER == __BIG_ENDIAN
        # define KEXECGEN_BYTE_ORDER big
        #else
        # define KEXECGEN_BYTE_ORDER little
        #endif

        """;

    private static readonly Lazy<string> GlibcLinux = new(UnpackGlibc);

    public static TheoryData<string> CheckedAbis => new(Repo.Arches.Abis.Where(Checkable).Select(a => a.Name));

    private static bool Checkable(AbiSpec abi) => abi.Args64?.Glibc is not null && abi.Gcc?.Libc is not null;

    [Theory]
    [MemberData(nameof(CheckedAbis))]
    public void Args64Rule_IsGlibcs(string name)
    {
        var abi = Repo.Arches.Abis.Single(a => a.Name == name);
        var rule = abi.Args64!;
        var work = Directory.CreateTempSubdirectory("kexecgen-glibc-").FullName;
        File.WriteAllText(Path.Combine(work, "probe.c"), Probe);
        var stubs = Path.Combine(work, "stubs");
        Directory.CreateDirectory(Path.Combine(stubs, "gnu"));
        var args = abi.Flags.Concat(abi.Gcc!.Flags).Concat(new[]
        {
            "-E", "-dM", "-I" + Path.Combine(GlibcLinux.Value, rule.Glibc!), "-I" + GlibcLinux.Value, "-idirafter", stubs, Path.Combine(work, "probe.c"),
        }).ToArray();
        var (code, defines, errors) = ProcessRunner.Run(abi.Gcc.Command, TimeSpan.FromMinutes(1), args);
        // A multilib without its gnu/stubs-<abi>.h (mips64's n32) lacks only the list of unimplemented functions: an
        // empty one stands in, since nothing here reads it.
        var missing = Regex.Match(errors, @"(gnu/stubs-[\w-]+\.h): No such file");
        if (code != 0 && missing.Success)
        {
            File.WriteAllText(Path.Combine(stubs, missing.Groups[1].Value), "");
            (code, defines, errors) = ProcessRunner.Run(abi.Gcc.Command, TimeSpan.FromMinutes(1), args);
        }
        Assert.True(code == 0, $"{abi.Gcc.Command} could not preprocess glibc's kernel-features.h for {name} (install {abi.Gcc.Libc} and glibc-source, as .ci/run does):\n{errors}");

        Assert.Equal(Define(defines, "KEXECGEN_RULE"), rule.Pass);
        Assert.Equal(Define(defines, "KEXECGEN_PADDED") ?? "", string.Join(",", rule.Padded));
        Assert.Equal(Define(defines, "KEXECGEN_BYTE_ORDER"), Repo.Scanned(name).ByteOrder);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public void AbisWhoseRuleNoCompilerChecks_AreFew_AndNamed()
    {
        // loongarch64 and csky: glibc describes them, but no cross gcc for them is served here. A 64-bit ABI has no
        // other rule than one register; csky's pair (abiv2; glibc aligns only abiv1) stands on glibc's source alone.
        var unchecked_ = Repo.Arches.Abis.Where(a => a.Args64 is not null && !Checkable(a)).Select(a => a.Name).OrderBy(a => a, StringComparer.Ordinal);
        Assert.Equal(new[] { "csky", "loongarch64" }, unchecked_);
        Assert.Equal(Args64Spec.Register, Repo.Arches.Abis.Single(a => a.Name == "loongarch64").Args64!.Pass);
        Assert.Equal(8, Repo.Scanned("loongarch64").PointerSize);
    }

    private static string? Define(string defines, string name) =>
        Regex.Match(defines, $"^#define {name} (.*)$", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value.Trim() : null;

    // glibc's kernel-features.h files, from the tarball Debian's glibc-source installs.
    private static string UnpackGlibc()
    {
        var tarball = Directory.Exists("/usr/src/glibc") ? Directory.GetFiles("/usr/src/glibc", "glibc-*.tar.xz").SingleOrDefault() : null;
        Assert.True(tarball is not null, "glibc's source is not in /usr/src/glibc: apt-get install glibc-source (.ci/run does)");
        var dir = Directory.CreateTempSubdirectory("kexecgen-glibc-src-").FullName;
        var (code, _, errors) = ProcessRunner.Run("tar", TimeSpan.FromMinutes(2), "-xf", tarball!, "-C", dir, "--strip-components=1", "--wildcards", "*/sysdeps/unix/sysv/linux/*kernel-features.h");
        Assert.True(code == 0, $"tar failed: {errors}");
        return Path.Combine(dir, "sysdeps", "unix", "sysv", "linux");
    }
}
