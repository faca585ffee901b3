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
    private const int Calls = CBaseline.Calls;
    // What the hand-written imports pass, read once from the generated layer; after tiering the JIT treats a static
    // readonly value as a constant, so these stubs are the constant-number baseline without a hand-typed number.
    private static readonly nint Number = SyscallNumbers.KexecFileLoad;
    private static readonly nint NoInitramfs = (nint)KexecFileLoadFlags.NoInitramfs;
    private delegate* unmanaged<nint, nint, nint, nint> _cLoop;
    private SafeFileHandle? _kernel;
    private readonly string _commandLine = new('x', 4096);
    private readonly byte[] _commandLineBytes = System.Text.Encoding.UTF8.GetBytes(new string('x', 4096) + "\0");

    [GlobalSetup]
    public void Setup()
    {
        _cLoop = (delegate* unmanaged<nint, nint, nint, nint>)CBaseline.Export("kexecgen_syscall_loop");
        _kernel = File.OpenHandle("/bin/true");
    }

    [GlobalCleanup]
    public void Cleanup() => _kernel?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "C: syscall() in a loop")]
    public nint C() => _cLoop(Number, NoInitramfs, Calls);

    [Benchmark(OperationsPerInvoke = Calls, Description = "generated stub (run-time number)")]
    public nint Generated()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = Syscalls.KexecFileLoad(-1, -1, 0, null, KexecFileLoadFlags.NoInitramfs);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [LibraryImport] (fixed number)")]
    public nint HandLibraryImport()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = SyscallLibraryImport(Number, -1, -1, 0, 0, NoInitramfs);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "hand [DllImport(SetLastError)]")]
    public nint HandDllImport()
    {
        nint last = 0;
        for (int i = 0; i < Calls; i++) last = SyscallDllImport(Number, -1, -1, 0, 0, NoInitramfs);
        return last;
    }

    [Benchmark(OperationsPerInvoke = Calls, Description = "safe API, 4 KiB command line")]
    public int SafeApi()
    {
        int last = 0;
        for (int i = 0; i < Calls; i++) last = Kexec.TryLoadFile(_kernel!, null, _commandLine, crash: false);
        return last;
    }

    // The raw stub with the safe API's own arguments: what the safe API adds is the difference of the two.
    [Benchmark(OperationsPerInvoke = Calls, Description = "generated stub, the safe API's arguments")]
    public nint GeneratedSafeApiArguments()
    {
        nint last = 0;
        int fd = (int)_kernel!.DangerousGetHandle();
        fixed (byte* line = _commandLineBytes)
        {
            for (int i = 0; i < Calls; i++) last = Syscalls.KexecFileLoad(fd, -1, (nuint)_commandLineBytes.Length, line, KexecFileLoadFlags.NoInitramfs);
        }
        return last;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint SyscallLibraryImport(nint number, nint a1, nint a2, nint a3, nint a4, nint a5);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern nint SyscallDllImport(nint number, nint a1, nint a2, nint a3, nint a4, nint a5);
}
