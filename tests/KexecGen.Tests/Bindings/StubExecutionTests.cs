using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Stubs generated from a configuration that binds getppid as well: compiled, loaded and called. A harmless syscall
/// shows both halves of the contract — where the ABI has it, the stub reaches the kernel and returns its answer;
/// where the table says the ABI lacks it, the stub answers ENOSYS and never enters the kernel (else it would return
/// the parent's pid, not -1).
/// </summary>
public class StubExecutionTests
{
    private const string GetppidBinding = """
            - name: getppid
              method: GetParentProcessId
              doc: Returns the parent's process id.
              args: []
        """;

    [Fact]
    public void BoundSyscall_ReachesTheKernel_OnTheRunningAbi()
    {
        var syscalls = CompileWithGetppid(lackOnRunningAbi: false);

        var (result, _, systemErrno) = Call(syscalls);

        Assert.Equal(ParentPid(), result);
        Assert.NotEqual(Untouched, systemErrno); // the P/Invoke path ran
    }

    [Fact]
    public void SyscallTheAbiLacks_AnswersEnosys_WithoutEnteringTheKernel()
    {
        var syscalls = CompileWithGetppid(lackOnRunningAbi: true);
        var (result, errno, systemErrno) = Call(syscalls);

        Assert.Equal(-1, result);
        Assert.Equal(Repo.Scanned(RunningAbi).Constants.Single(c => c.Name == "ENOSYS").Value, errno);
        Assert.Equal(Untouched, systemErrno); // the P/Invoke path, which clears errno first, never ran
    }

    // The call and its errno are read inside the loaded assembly: reflection may make P/Invokes of its own in between.
    private const string Probe = """
        /// <summary>Calls the stub.</summary>
        public static class Probe
        {
            /// <summary>A system errno no syscall sets: the P/Invoke stub clears errno before entering the kernel.</summary>
            public const int Untouched = 12345;

            /// <summary>The stub's result, its P/Invoke error, and the thread's errno after it.</summary>
            public static long[] Call()
            {
                System.Runtime.InteropServices.Marshal.SetLastPInvokeError(0);
                System.Runtime.InteropServices.Marshal.SetLastSystemError(Untouched);
                long result = KexecGen.Interop.Syscalls.GetParentProcessId();
                return new long[]
                {
                    result,
                    System.Runtime.InteropServices.Marshal.GetLastPInvokeError(),
                    System.Runtime.InteropServices.Marshal.GetLastSystemError(),
                };
            }
        }
        """;

    private const int Untouched = 12345;

    private static (long Result, long Errno, long SystemErrno) Call(Type probe)
    {
        var answer = (long[])probe.GetMethod("Call")!.Invoke(null, null)!;
        return (answer[0], answer[1], answer[2]);
    }

    private static string RunningAbi => Repo.Arches.Abis.Single(a => a.RunsAs(RuntimeInformation.ProcessArchitecture.ToString())).Name;

    // Scans a copy of the inputs that also binds getppid, then generates, compiles and loads the bindings.
    private static Type CompileWithGetppid(bool lackOnRunningAbi)
    {
        var dir = Repo.CopyInputs();
        var arches = Path.Combine(dir, "arches.yaml");
        var text = File.ReadAllText(arches)
            .Replace("  syscalls:\n    - name: kexec_load\n", "  syscalls:\n" + GetppidBinding.Replace("\r", "", StringComparison.Ordinal) + "\n    - name: kexec_load\n", StringComparison.Ordinal);
        File.WriteAllText(arches, text);
        // The first scan finds each ABI's number (arches.yaml states none yet); the table then states them and is checked.
        HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        File.WriteAllText(arches, StateGetppid(text, dir));
        var scan = HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics));

        if (lackOnRunningAbi)
        {
            // Pretend the running ABI has no such syscall, in the table and in its headers alike.
            var headers = Path.Combine(dir, "headers", RunningAbi + ".yaml");
            var number = Repo.LineOf(File.ReadAllText(headers), "  getppid: ");
            var lines = File.ReadAllLines(headers);
            lines[number - 1] = "  getppid: null";
            File.WriteAllLines(headers, lines);
            File.WriteAllText(arches, StateGetppid(File.ReadAllText(arches).Replace("      getppid:", "      #", StringComparison.Ordinal), dir, lacking: RunningAbi));
        }

        var (output, diagnostics, _) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation(Probe));
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        return GeneratorHarness.Load(output).GetType("Probe", throwOnError: true)!;
    }

    // arches.yaml with a getppid number after each ABI's reboot number: the one in its scanned headers (null for 'lacking').
    private static string StateGetppid(string text, string dir, string? lacking = null)
    {
        var lines = text.Split('\n').ToList();
        string? abi = null;
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith("  - name: ", StringComparison.Ordinal)) abi = lines[i]["  - name: ".Length..].Trim();
            else if (abi is not null && lines[i].StartsWith("      reboot:", StringComparison.Ordinal))
            {
                var scanned = File.ReadAllLines(Path.Combine(dir, "headers", abi + ".yaml")).Single(l => l.StartsWith("  getppid: ", StringComparison.Ordinal));
                lines.Insert(i + 1, abi == lacking ? "      getppid: null" : "    " + scanned);
                abi = null;
            }
        }
        return string.Join('\n', lines);
    }

    // The parent's pid as the kernel reports it in /proc (field 4 of stat, after the parenthesised name).
    private static int ParentPid()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
