using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;

namespace KexecGen.Benchmarks;

/// <summary>The C loops of syscall_loop.c, compiled with gcc -O2 into a shared library when a benchmark starts.</summary>
internal static unsafe class CBaseline
{
    /// <summary>Calls per benchmark invocation, in the C loops and the managed ones alike.</summary>
    public const int Calls = 1000;

    /// <summary>Compiles syscall_loop.c and returns the export named <paramref name="name"/>.</summary>
    public static nint Export(string name)
    {
        var source = Path.Combine(AppContext.BaseDirectory, "syscall_loop.c");
        var library = Path.Combine(Path.GetTempPath(), $"kexecgen-bench-{Environment.ProcessId}.so");
        if (!File.Exists(library))
        {
            using var gcc = Process.Start("gcc", $"-O2 -shared -fPIC -o {library} {source}");
            gcc.WaitForExit();
            if (gcc.ExitCode != 0) throw new InvalidOperationException("gcc could not build the C baseline from " + source);
        }
        return NativeLibrary.GetExport(NativeLibrary.Load(library), name);
    }
}
