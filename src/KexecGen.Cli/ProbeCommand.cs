using System;
using System.IO;
using System.Runtime.InteropServices;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary>
/// <c>kexec probe</c>: asks the running kernel whether it implements the kexec syscalls. The arguments are ones no
/// kernel accepts (descriptor -1, more than KEXEC_SEGMENT_MAX segments, an architecture that does not exist), so
/// nothing is ever loaded: ENOSYS means the syscall is missing, any other error means it is there.
/// </summary>
public static class ProbeCommand
{
    /// <summary>Makes both calls and writes one line for each; returns 0.</summary>
    public static unsafe int Run(TextWriter output)
    {
        var abi = AbiTable.Current;
        output.WriteLine($"ABI {abi?.Name ?? "unknown"} ({RuntimeInformation.ProcessArchitecture})");

        nint fileLoad = Syscalls.KexecFileLoad(-1, -1, 1, null, KexecFileLoadFlags.NoInitramfs);
        Report(output, "kexec_file_load", SyscallNumbers.KexecFileLoad, fileLoad, Marshal.GetLastPInvokeError());

        var noSuchArch = (KexecLoadFlags)(KexecConstants.KEXEC_ARCH_MASK & 0x7FFF0000u);
        nint load = Syscalls.KexecLoad(0, (nuint)KexecConstants.KEXEC_SEGMENT_MAX + 1, null, noSuchArch);
        Report(output, "kexec_load", SyscallNumbers.KexecLoad, load, Marshal.GetLastPInvokeError());
        return 0;
    }

    private static void Report(TextWriter output, string name, nint number, nint result, int errno)
    {
        var what = number < 0 ? "not on this ABI" : $"syscall {number}";
        var meaning = result >= 0 ? "accepted (unexpected)"
            : errno == Errno.ENOSYS ? "not implemented by this kernel"
            : "implemented (rejected the invalid arguments)";
        output.WriteLine($"{name} ({what}): {result} {Errno.NameOf(errno) ?? errno.ToString()} — {meaning}");
    }
}
