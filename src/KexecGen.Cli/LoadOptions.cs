using System.Text;

namespace KexecGen.Cli;

/// <summary>Which syscall loads.</summary>
public enum SyscallChoice
{
    /// <summary>-a: kexec_file_load, then kexec_load on ENOSYS, EINVAL, ENOEXEC or ENOTSUP (the default).</summary>
    Auto,

    /// <summary>-s: kexec_file_load only.</summary>
    File,

    /// <summary>-c: kexec_load only, through our own loaders (bzImage, arm64 Image, ELF).</summary>
    Segments,
}

/// <summary>
/// What the kexec-tools command line asks for (parsed by <see cref="KexecCommandLine"/>): the steps kexec-tools' main
/// takes, each on or off, run in its order: status, unload, load, shutdown, sync, execute.
/// </summary>
public sealed record LoadOptions
{
    /// <summary>-S: exit 1 if the kernel (the crash kernel unless -l was given without -p) is loaded, 0 if not.</summary>
    public bool Status { get; init; }

    /// <summary>-u: unload (the crash kernel with -p).</summary>
    public bool Unload { get; init; }

    /// <summary>-l, -p, -f or a kernel alone: load <see cref="Kernel"/>.</summary>
    public bool Load { get; init; }

    /// <summary>A kernel with no action: after loading, reboot through /sbin/shutdown -r now, as kexec-tools does.</summary>
    public bool Shutdown { get; init; }

    /// <summary>Whether file systems are synced before executing (-y/--no-sync turns it off).</summary>
    public bool Sync { get; init; } = true;

    /// <summary>-e or -f: boot into the loaded kernel.</summary>
    public bool Exec { get; init; }

    /// <summary>-p: the crash kernel is loaded, unloaded or asked about.</summary>
    public bool Crash { get; init; }

    /// <summary>-s, -c or -a (the last given).</summary>
    public SyscallChoice Syscall { get; init; }

    /// <summary>The kernel's path, byte for byte as given.</summary>
    public byte[]? KernelPath { get; init; }

    /// <summary>The kernel's path as text (UTF-8, for messages and .NET's file APIs).</summary>
    public string? Kernel => KernelPath is null ? null : Encoding.UTF8.GetString(KernelPath);

    /// <summary>--initrd/--ramdisk: the initrd's path, byte for byte as given.</summary>
    public byte[]? InitrdPath { get; init; }

    /// <summary>The initrd's path as text (UTF-8).</summary>
    public string? Initrd => InitrdPath is null ? null : Encoding.UTF8.GetString(InitrdPath);

    /// <summary>--append/--command-line, byte for byte (the last given).</summary>
    public byte[]? Append { get; init; }

    /// <summary>--reuse-cmdline: start from /proc/cmdline without BOOT_IMAGE= (and, with -p, crashkernel=).</summary>
    public bool ReuseCommandLine { get; init; }

    /// <summary>--dtb: the path of the device tree an arm64 Image starts from instead of /sys/firmware/fdt, byte for byte.</summary>
    public byte[]? DeviceTree { get; init; }

    /// <summary>--dry-run: everything but the syscalls that load, unload or execute.</summary>
    public bool DryRun { get; init; }

    /// <summary>--json: one JSON object on standard output.</summary>
    public bool Json { get; init; }

    /// <summary>-d/--debug: the syscalls and the plan also on standard error.</summary>
    public bool Debug { get; init; }
}
