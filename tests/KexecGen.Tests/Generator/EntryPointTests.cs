using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator.Model;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// Syscalls whose table rows run other kernel functions on some ABIs (tests/KexecGen.Tests/Fixtures/EntryPoints, bound
/// by name for x86_64, i386, arm64, arm and riscv64): every stub calls a row running the function its C# parameters
/// stand for, or is refused on that ABI alone, and rows running nothing are said and not bound.
/// </summary>
public class EntryPointTests(ITestOutputHelper output)
{
    internal static readonly string Dir = Path.Combine(Repo.Root, "tests", "KexecGen.Tests", "Fixtures", "EntryPoints");

    internal static readonly Lazy<(ArchesSpec Arches, List<ScannedAbi> Scanned, ModelResult Built)> Table = new(() =>
    {
        var path = Path.Combine(Dir, "arches.yaml");
        var arches = ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        var scanned = arches.Abis.Select(a => Path.Combine(Dir, "headers", a.Name + ".yaml")).Select(f => ScannedAbiReader.Read(f, File.ReadAllText(f)).Value!).ToList();
        return (arches, scanned, ModelBuilder.Build(arches, scanned, AbiTableScope.Full, layoutAbi: "x86_64"));
    });

    private static SyscallModel Syscall(string name) => Table.Value.Built.Model!.Syscalls.Single(s => s.Name == name);

    private static AbiCallModel Call(string name, string abi) => Syscall(name).Calls.Single(c => c.Abi == abi);

    private static ScannedAbi Scanned(string abi) => Table.Value.Scanned.Single(s => s.Abi == abi);

    // The function the ABI's table runs for a row, as the scan recorded it.
    private static string Runs(string abi, string row) =>
        Scanned(abi).Prototypes.Single(p => p.Name == row) is var p && p.Entry is { } entry ? entry : "sys_" + row;

    [Fact]
    public void TheTableBuilds_WithoutErrors()
    {
        var built = Table.Value.Built;
        foreach (var d in built.Diagnostics) output.WriteLine(d.ToString());
        Assert.NotNull(built.Model);
        Assert.DoesNotContain(built.Diagnostics, d => d.Severity == Severity.Error);
    }

    // time32: i386's and arm's clock_gettime, nanosleep and futex rows run the *_time32 functions, which read an 8-byte
    // old_timespec32; the stubs call the rows that run the functions x86_64's do (clock_gettime64, futex_time64…).
    [Theory]
    [InlineData("clock_gettime")]
    [InlineData("futex")]
    public void Time32Rows_AreNotCalled_TheRowRunningTheSameFunctionAs64BitAbisIs(string name)
    {
        var reference = Runs("x86_64", name);
        foreach (var abi in new[] { "i386", "arm" })
        {
            Assert.NotEqual(reference, Runs(abi, name)); // the syscall's own row runs a time32 function there
            var call = Call(name, abi);
            Assert.NotNull(call.Number);
            Assert.Equal(reference, Runs(abi, call.Called!));
            Assert.Equal(Scanned(abi).Syscalls.Single(s => s.Name == call.Called).Number, call.Number);
        }
        foreach (var abi in new[] { "x86_64", "arm64", "riscv64" }) Assert.Equal(name, Call(name, abi).Called);
    }

    // A row running another function than the one the parameters stand for, with no row running that one, is refused
    // on that ABI alone: nanosleep on i386 and arm runs sys_nanosleep_time32 (glibc calls clock_nanosleep_time64
    // there); i386's mmap runs sys_old_mmap, which takes one pointer to the six arguments.
    [Theory]
    [InlineData("nanosleep", "ABIs 'i386', 'arm'", "sys_nanosleep_time32")]
    [InlineData("mmap", "ABI 'i386'", "sys_old_mmap")]
    public void ARowRunningOtherArguments_IsRefusedOnThatAbiAlone(string name, string abis, string runs)
    {
        var refusal = Assert.Single(Table.Value.Built.Diagnostics, d => d.Id == "KXG020" && d.Message.StartsWith($"syscall {name} ", StringComparison.Ordinal));
        Assert.Contains($"refused on {abis}", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(runs, refusal.Message, StringComparison.Ordinal);
        // Unbound on those ABIs, whose row runs that function; bound wherever another ABI numbers it.
        Assert.All(Syscall(name).Calls.Where(c => Scanned(c.Abi).Syscalls.Any(s => s.Name == name && s.Number is not null)),
            c => Assert.Equal(abis.Contains($"'{c.Abi}'", StringComparison.Ordinal), c.Number is null && Runs(c.Abi, name) == runs));
        Assert.NotNull(Call(name, "x86_64").Number);
    }

    [Fact]
    public void ClockGettime_TakesTheKernelTimespec_ItsEntryWrites()
    {
        Assert.Equal(new[] { "int", "KernelTimespec*" }, Syscall("clock_gettime").Args.Select(a => a.Type));
        Assert.Equal("clock_gettime64", Call("clock_gettime", "i386").Called);
    }

    // uid16: i386's and arm's chown, getuid and setuid rows run the *16 functions, whose old_uid_t keeps 16 bits.
    [Theory]
    [InlineData("chown", "chown32")]
    [InlineData("getuid", "getuid32")]
    [InlineData("setuid", "setuid32")]
    public void Uid16Rows_AreNotCalled_The32BitUidRowIs(string name, string wide)
    {
        foreach (var abi in new[] { "i386", "arm" })
        {
            Assert.EndsWith("16", Runs(abi, name), StringComparison.Ordinal);
            Assert.Equal(wide, Call(name, abi).Called);
        }
        Assert.Equal(name, Call(name, "x86_64").Called);
    }

    [Fact]
    public void Chown_PassesEveryBitOfTheUid()
    {
        var args = Syscall("chown").Args;
        Assert.Equal(new[] { "byte*", "uint", "uint" }, args.Select(a => a.Type));
        foreach (var call in Syscall("chown").Calls.Where(c => c.Number is not null))
        {
            var abi = call.Abi;
            var user = Scanned(abi).Prototypes.Single(p => p.Name == call.Called).Args.Single(a => a.Name == "user");
            Assert.Equal(4, user.Size);
        }
    }

    // newuname: every table's uname row runs sys_newuname (struct new_utsname, 390 bytes), not the sys_uname
    // (struct old_utsname, 325) that include/linux/syscalls.h declares under the same name.
    [Fact]
    public void Uname_IsTypedByTheFunctionItsRowRuns()
    {
        Assert.All(Table.Value.Arches.Abis, a => Assert.Equal("sys_newuname", Runs(a.Name, "uname")));
        var arg = Assert.Single(Syscall("uname").Args);
        Assert.Equal("UtsName*", arg.Type);
        Assert.Equal("name", arg.CName);
        Assert.Contains("struct new_utsname", arg.Doc, StringComparison.Ordinal);
    }

    // Rows that run nothing: x86_64's afs_syscall has no entry point, _sysctl runs sys_ni_syscall: one warning each, and
    // no method; the rest of the table is generated.
    [Theory]
    [InlineData("_sysctl")]
    [InlineData("afs_syscall")]
    public void RowsRunningNothing_AreSaid_AndNotBound(string name)
    {
        var built = Table.Value.Built;
        Assert.DoesNotContain(built.Model!.Syscalls, s => s.Name == name);
        var warning = Assert.Single(built.Diagnostics, d => d.Id == "KXG021" && d.Message.StartsWith($"syscall {name} ", StringComparison.Ordinal));
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Contains("nothing is bound", warning.Message, StringComparison.Ordinal);
        Assert.Equal(Table.Value.Arches.Bindings.Syscalls.Count - 2, built.Model.Syscalls.Count);
    }

    // Nothing silently wrong: every call passes each argument to a row whose function reads what the parameter is.
    [Fact]
    public void EveryCall_ReachesAFunctionTakingWhatTheParametersSay()
    {
        var model = Table.Value.Built.Model!;
        foreach (var syscall in model.Syscalls)
        {
            var reference = Runs("x86_64", syscall.Name);
            foreach (var call in syscall.Calls.Where(c => c.Number is not null))
            {
                var runs = Runs(call.Abi, call.Called!);
                Assert.True(runs == reference, $"{syscall.Name} on {call.Abi} calls {call.Called}, which runs {runs}, not {reference}");
            }
        }
    }
}
