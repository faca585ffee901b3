using System;
using System.IO;
using System.Runtime.InteropServices;
using KexecGen.Interop;

namespace KexecGen;

/// <summary>A kexec syscall failed: the errno, its name, and what it means for kexec.</summary>
public class KexecException : IOException
{
    /// <summary>Creates the exception for <paramref name="syscall"/> failing with <paramref name="errno"/>.</summary>
    protected KexecException(string syscall, int errno)
        : base($"{syscall} failed: {Name(errno)} ({errno}): {Meaning(syscall, errno)}")
    {
        Syscall = syscall;
        Errno = errno;
        ErrnoName = Name(errno);
        Explanation = Meaning(syscall, errno);
        HResult = errno;
    }

    /// <summary>The syscall that failed (kexec_load, kexec_file_load or reboot).</summary>
    public string Syscall { get; }

    /// <summary>The errno, in the running ABI's numbering.</summary>
    public int Errno { get; }

    /// <summary>The errno's name (EPERM, ENOSYS…).</summary>
    public string ErrnoName { get; }

    /// <summary>What the errno means for kexec.</summary>
    public string Explanation { get; }

    /// <summary>The exception type that fits <paramref name="errno"/>.</summary>
    internal static KexecException For(string syscall, int errno)
    {
        var name = Name(errno);
        return name switch
        {
            "ENOSYS" => new KexecNotSupportedException(syscall, errno),
            "EPERM" => new KexecPermissionException(syscall, errno),
            "EBUSY" => new KexecBusyException(syscall, errno),
            "EKEYREJECTED" or "ENOKEY" or "EBADMSG" => new KexecSignatureException(syscall, errno),
            "ENOEXEC" => new KexecImageException(syscall, errno),
            _ => new KexecException(syscall, errno),
        };
    }

    private static string Name(int errno) => Interop.Errno.NameOf(errno) ?? $"errno {errno}";

    // What kexec_load(2), kexec_file_load(2) and reboot(2) say each error means, in our words. An errno means
    // different things to different syscalls (EINVAL from reboot is "nothing loaded"), so each has its own entries;
    // the shared ones apply to both load syscalls only.
    private static string Meaning(string syscall, int errno)
    {
        var name = Name(errno);
        if (BySyscall.TryGetValue((syscall, name), out var meaning)) return meaning;
        if (syscall != "reboot" && ByLoadSyscall.TryGetValue(name, out meaning)) return meaning;
        return Marshal.GetPInvokeErrorMessage(errno);
    }

    private static readonly System.Collections.Generic.Dictionary<(string Syscall, string Errno), string> BySyscall = new()
    {
        [("kexec_load", "ENOSYS")] = "this kernel does not implement kexec_load (built without CONFIG_KEXEC), or this ABI has no such syscall",
        [("kexec_load", "EINVAL")] = "an argument was refused: the flags or architecture, or a segment's alignment, size, overlap or destination (outside RAM, or outside the crashkernel= range for a crash kernel)",
        [("kexec_load", "EADDRNOTAVAIL")] = "a segment's destination is not memory the kernel can load to",
        [("kexec_file_load", "ENOSYS")] = "this kernel does not implement kexec_file_load (built without CONFIG_KEXEC_FILE), or this ABI has no such syscall",
        [("kexec_file_load", "EINVAL")] = "an argument was refused: the flags, or the command line (too long for the image, or not NUL-terminated)",
        [("kexec_file_load", "ENOEXEC")] = "the kernel cannot load this image: not a format its file loader boots, or built for another architecture",
        [("kexec_file_load", "EBADF")] = "a file descriptor is not open for reading",
        [("kexec_file_load", "EKEYREJECTED")] = "the image's signature was rejected: the kernel requires images signed with a trusted key",
        [("kexec_file_load", "ENOKEY")] = "the image is unsigned or its key is unknown: the kernel requires signed images",
        [("kexec_file_load", "EBADMSG")] = "the image's signature is malformed: the kernel requires signed images",
        [("kexec_file_load", "EADDRNOTAVAIL")] = "no memory is reserved for a crash kernel (boot with crashkernel=)",
        [("reboot", "EINVAL")] = "no kernel is loaded: load one first",
        [("reboot", "EPERM")] = "not permitted: the caller lacks CAP_SYS_BOOT, or runs in a PID namespace that may not reboot",
        [("reboot", "ENOSYS")] = "this ABI has no reboot syscall",
    };

    private static readonly System.Collections.Generic.Dictionary<string, string> ByLoadSyscall = new(StringComparer.Ordinal)
    {
        ["EPERM"] = "not permitted: the caller lacks CAP_SYS_BOOT, kexec is disabled (kernel.kexec_load_disabled), or the kernel is locked down",
        ["EBUSY"] = "another kernel is being loaded or the loaded one is in use",
        ["ENOMEM"] = "not enough memory for the image (for a crash kernel: no or too small crashkernel= reservation)",
        ["ENOENT"] = "nothing is loaded to act on",
    };
}

/// <summary>ENOSYS: the kernel was built without the syscall, or the ABI lacks it.</summary>
public sealed class KexecNotSupportedException : KexecException
{
    internal KexecNotSupportedException(string syscall, int errno) : base(syscall, errno) { }
}

/// <summary>EPERM: no CAP_SYS_BOOT, kexec disabled, or the kernel locked down.</summary>
public sealed class KexecPermissionException : KexecException
{
    internal KexecPermissionException(string syscall, int errno) : base(syscall, errno) { }
}

/// <summary>EBUSY: a load is in progress or the loaded kernel is in use.</summary>
public sealed class KexecBusyException : KexecException
{
    internal KexecBusyException(string syscall, int errno) : base(syscall, errno) { }
}

/// <summary>EKEYREJECTED, ENOKEY or EBADMSG: the kernel wants a signed image it can verify.</summary>
public sealed class KexecSignatureException : KexecException
{
    internal KexecSignatureException(string syscall, int errno) : base(syscall, errno) { }
}

/// <summary>ENOEXEC: the kernel cannot load this image.</summary>
public sealed class KexecImageException : KexecException
{
    internal KexecImageException(string syscall, int errno) : base(syscall, errno) { }
}
