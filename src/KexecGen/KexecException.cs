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
    public static KexecException For(string syscall, int errno)
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

    // What kexec_load(2), kexec_file_load(2) and reboot(2) say each error means, in our words: an errno means
    // different things to different syscalls, so reboot's have their own table.
    private static string Meaning(string syscall, int errno) => syscall == "reboot" ? RebootMeaning(errno) : LoadMeaning(errno);

    private static string RebootMeaning(int errno) => Name(errno) switch
    {
        "EINVAL" => "no kernel is loaded: load one first",
        "EPERM" => "not permitted: the caller lacks CAP_SYS_BOOT, or runs in a PID namespace that may not reboot",
        "ENOSYS" => "this ABI has no reboot syscall",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    private static string LoadMeaning(int errno) => Name(errno) switch
    {
        "ENOSYS" => "this kernel does not implement the syscall (built without CONFIG_KEXEC or CONFIG_KEXEC_FILE), or this ABI has no such syscall",
        "EPERM" => "not permitted: the caller lacks CAP_SYS_BOOT, kexec is disabled (kernel.kexec_load_disabled), or the kernel is locked down",
        "EBUSY" => "another kernel is being loaded or the loaded one is in use",
        "ENOEXEC" => "the kernel cannot load this image: not a format it boots, or built for another architecture",
        "EINVAL" => "an argument was refused: flags, architecture, a segment's alignment, size or overlap, or the command line",
        "ENOMEM" => "not enough memory for the image (for a crash kernel: no or too small crashkernel= reservation)",
        "EKEYREJECTED" => "the image's signature was rejected: the kernel requires images signed with a trusted key",
        "ENOKEY" => "the image is unsigned or its key is unknown: the kernel requires signed images",
        "EBADMSG" => "the image's signature is malformed: the kernel requires signed images",
        "EBADF" => "a file descriptor is not open for reading",
        "EADDRNOTAVAIL" => "no memory is reserved for a crash kernel (boot with crashkernel=)",
        "ENOENT" => "nothing is loaded to act on",
        _ => Marshal.GetPInvokeErrorMessage(errno),
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
