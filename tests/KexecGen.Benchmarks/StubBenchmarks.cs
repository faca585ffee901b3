using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using KexecGen.Interop;
using Microsoft.Win32.SafeHandles;

namespace KexecGen.Benchmarks;

/// <summary>
/// One kexec_file_load that fails fast (ENOSYS on a kernel without kexec; EBADF elsewhere): C's loop as the baseline,
/// then the generated stub, hand-written DllImport and LibraryImport, a constant-number stub, and the safe API.
/// </summary>
[MemoryDiagnoser]
public unsafe partial class StubBenchmarks
{
    private const int Calls = 1000;
    private delegate* unmanaged<nint, nint, nint> _cLoop;
    private nint _number;
    private SafeFileHandle? _kernel;
    private readonly string _commandLine = new('x', 4096);

    [GlobalSetup]
    public void Setup()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "syscall_loop.c");
        var library = Path.Combine(Path.GetTempPath(), $"kexecgen-bench-{Environment.ProcessId}.so");
        using (var gcc = Process.Start("gcc", $"-O2 -shared -fPIC -o {library} {source}"))
        {
            gcc.WaitForExit();
            if (gcc.ExitCode != 0) throw new InvalidOperationException("gcc could not build the C baseline");
        }
        _cLoop = (delegate* unmanaged<nint, nint, nint>)NativeLibrary.GetExport(NativeLibrary.Load(library), "kexecgen_syscall_loop");
        _number = SyscallNumbers.KexecFileLoad;
        _kernel = File.OpenHandle("/bin/true");
    }

    [GlobalCleanup]
    public void Cleanup() => _kernel?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "C: syscall() in a loop")]
    public nint C() => _cLoop(_number, Calls);

    [Benchmark(OperationsPerInvoke = Calls, Description = "generated stub (run-time number)")]
    public nint Generated()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = Syscalls.KexecFileLoad(-1, -1, 0, null, KexecFileLoadFlags.NoInitramfs);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [LibraryImport] (constant number)")]
    public nint HandLibraryImport()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = SyscallLibraryImport(320, -1, -1, 0, 0, 4);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [DllImport(SetLastError)]")]
    public nint HandDllImport()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = SyscallDllImport(320, -1, -1, 0, 0, 4);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "safe API, 4 KiB command line")]
    public int SafeApi()
    {
        int last = 0;
        for (int i = 0; i < Calls; i++) last = Kexec.TryLoadFile(_kernel!, null, _commandLine, crash: false);
        return last;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SyscallLibraryImport(nint number, nint a1, nint a2, nint a3, nint a4, nint a5);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern nint SyscallDllImport(nint number, nint a1, nint a2, nint a3, nint a4, nint a5);
}
