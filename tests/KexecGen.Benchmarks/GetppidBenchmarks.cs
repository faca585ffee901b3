using System;
using System.IO;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using KexecGen.Benchmarks.Calls;

namespace KexecGen.Benchmarks;

/// <summary>
/// A syscall that succeeds: getppid, bound by the generator from Bindings/ like any consumer's own syscall (declared
/// non-blocking, so its stub skips the GC transition), against C's loop and hand-written imports. Setup checks that
/// every way returns the parent's pid.
/// </summary>
[MemoryDiagnoser]
public unsafe partial class GetppidBenchmarks
{
    private const int Calls = CBaseline.Calls;
    private static readonly nint Number = SyscallNumbers.GetParentProcessId;
    private delegate* unmanaged<nint, nint, nint> _cLoop;

    [GlobalSetup]
    public void Setup()
    {
        _cLoop = (delegate* unmanaged<nint, nint, nint>)CBaseline.Export("kexecgen_syscall0_loop");
        var stat = File.ReadAllText("/proc/self/stat");
        var parent = long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (way, result) in new[] { ("C", C()), ("generated", Generated()), ("LibraryImport", HandLibraryImport()), ("LibraryImport without GC transition", HandNoTransition()), ("DllImport", HandDllImport()) })
        {
            if (result != parent) throw new InvalidOperationException($"{way} getppid returned {result}, /proc/self/stat says {parent}");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "C: syscall(getppid) in a loop")]
    public nint C() => _cLoop(Number, Calls);

    [Benchmark(OperationsPerInvoke = Calls, Description = "generated stub (run-time number, nonblocking: true)")]
    public nint Generated()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = Syscalls.GetParentProcessId();
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [LibraryImport] (fixed number)")]
    public nint HandLibraryImport()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = Syscall0LibraryImport(Number);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [LibraryImport] + [SuppressGCTransition]")]
    public nint HandNoTransition()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = Syscall0NoTransition(Number);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [DllImport(SetLastError)]")]
    public nint HandDllImport()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = Syscall0DllImport(Number);
        return last;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall0LibraryImport(nint number);

    [SuppressGCTransition]
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall0NoTransition(nint number);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern nint Syscall0DllImport(nint number);
}
