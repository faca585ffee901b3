using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The row each 32-bit ABI's stub calls, held to glibc's own choice: a C program calls glibc's wrappers (64-bit time
/// and file offsets, as glibc's current ABI has them) under qemu-user's <c>-strace</c>, between marker calls, and the
/// syscall glibc makes for each wrapper must be the one the generator chose from the tables (clock_gettime64,
/// chown32, getuid32, setuid32, sendfile64, uname); where the generator refuses an ABI (nanosleep, whose only row runs
/// sys_nanosleep_time32), glibc must avoid that row as well.
/// </summary>
public class GlibcChoiceTests
{
    // Each bound syscall of the entry-point table and a glibc call that makes it.
    private static readonly (string Syscall, string Call)[] Calls =
    {
        ("clock_gettime", "clock_gettime(CLOCK_REALTIME, &ts)"),
        ("chown", "chown(\"/nonexistent\", 70000, 70000)"),
        ("getuid", "getuid()"),
        ("setuid", "setuid(me)"),
        ("uname", "uname(&u)"),
        ("sendfile", "sendfile(-1, -1, 0, 0)"),
        ("nanosleep", "nanosleep(&(struct timespec){ 0, 1 }, 0)"),
    };

    // The 32-bit ABIs of that table that this machine runs (their gcc entry in the root arches.yaml has a run:).
    private static IEnumerable<string> Compared => EntryPointTests.Table.Value.Arches.Abis
        .Where(a => Repo.Scanned(a.Name).PointerSize == 4 && Repo.Arches.Abis.Single(r => r.Name == a.Name).Gcc is { Run: not null, Libc: not null })
        .Select(a => a.Name);

    public static TheoryData<string> Abis => new(Compared);

    [Fact]
    public void I386AndArm_AreAmongTheAbisCompared() => Assert.Superset(new HashSet<string> { "i386", "arm" }, Compared.ToHashSet());

    [Theory]
    [MemberData(nameof(Abis))]
    public void EachStub_CallsTheRowGlibcCalls(string abiName)
    {
        var abi = Repo.Arches.Abis.Single(a => a.Name == abiName);
        var c = new StringBuilder("#define _GNU_SOURCE\n#include <time.h>\n#include <unistd.h>\n#include <sys/utsname.h>\n#include <sys/sendfile.h>\n"
            + "int main(void) {\n  struct timespec ts; struct utsname u; uid_t me = getuid();\n");
        for (int i = 0; i < Calls.Length; i++) c.Append($"  close({1000 + i}); (void){Calls[i].Call};\n");
        c.Append($"  close({1000 + Calls.Length});\n  return 0;\n}}\n");
        var made = StraceRun.Segments(abi, c.ToString(), Calls.Length).Select(segment => segment.Select(l => l.Name).ToList()).ToList();

        for (int i = 0; i < Calls.Length; i++)
        {
            var syscall = Calls[i].Syscall;
            var call = EntryPointTests.Table.Value.Built.Model!.Syscalls.Single(s => s.Name == syscall).Calls.Single(x => x.Abi == abiName);
            if (call.Number is not null)
            {
                Assert.True(made[i].Contains(call.Called!), $"{abiName}: the stub of {syscall} calls {call.Called}; glibc's {Calls[i].Call} made {string.Join(", ", made[i])}");
            }
            else
            {
                // Refused here: glibc does not call the syscall's own row either.
                Assert.True(!made[i].Contains(syscall), $"{abiName}: {syscall} is refused, yet glibc's {Calls[i].Call} made {string.Join(", ", made[i])}");
            }
        }
    }
}
