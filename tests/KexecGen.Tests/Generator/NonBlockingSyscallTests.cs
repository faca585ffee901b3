using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KexecGen.Tests;

/// <summary>A syscall declared <c>nonblocking: true</c> gets a stub without the GC transition; every other keeps it.</summary>
public class NonBlockingSyscallTests
{
    [Fact]
    public void NonBlockingSyscall_SkipsTheGcTransition_AndStillAnswers()
    {
        // getppid added and scanned, as a user adds a syscall.
        const string syscalls = "\n  syscalls:\n";
        var dir = Repo.CopyInputs();
        var arches = Path.Combine(dir, "arches.yaml");
        File.WriteAllText(arches, File.ReadAllText(arches).Replace(syscalls,
            syscalls + "    - { name: getppid, method: GetParentProcessId, doc: The parent's process id., nonblocking: true, args: [] }\n", StringComparison.Ordinal));
        var scan = KexecGen.Scanner.HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics));

        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());

        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(GeneratorHarness.Problems(output));
        var stubs = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("KexecGen.Syscalls.g.cs", StringComparison.Ordinal)).ToString();
        // One import without the transition, for getppid alone; kexec_load, kexec_file_load and reboot keep theirs.
        Assert.Single(stubs.Split("SuppressGCTransition").Skip(1));
        var noTransition = stubs.IndexOf("SuppressGCTransition", StringComparison.Ordinal);
        Assert.Contains("private static partial nint Syscall0NonBlocking(nint number);", stubs[noTransition..], StringComparison.Ordinal);
        Assert.Contains("return Syscall0NonBlocking(number);", stubs, StringComparison.Ordinal);
        Assert.Contains("return Syscall5(number, ", stubs, StringComparison.Ordinal);

        var syscallsType = GeneratorHarness.Load(output).GetType("KexecGen.Interop.Syscalls")!;
        var parent = (nint)syscallsType.GetMethod("GetParentProcessId")!.Invoke(null, null)!;
        var stat = File.ReadAllText("/proc/self/stat");
        Assert.Equal(long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), (long)parent);
    }
}
