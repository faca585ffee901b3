namespace KexecGen.Cli;

/// <summary>What kexec is asked to do.</summary>
public enum KexecAction
{
    /// <summary>No action flag given.</summary>
    None,

    /// <summary>-l: load a kernel.</summary>
    Load,

    /// <summary>-p: load a crash kernel.</summary>
    LoadPanic,

    /// <summary>-u: unload.</summary>
    Unload,

    /// <summary>-e: execute the loaded kernel.</summary>
    Exec,

    /// <summary>-S: tell whether a kernel is loaded.</summary>
    Status,
}

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

/// <summary>What the kexec-tools-style command line asks for (parsed by <see cref="KexecCommandLine"/>).</summary>
public sealed record LoadOptions(
    KexecAction Action,
    SyscallChoice Syscall,
    string? Kernel,
    string? Initrd,
    string? Append,
    bool ReuseCommandLine,
    bool DryRun,
    bool Json)
{
    /// <summary>--dtb: the device tree an arm64 Image starts from instead of /sys/firmware/fdt.</summary>
    public string? DeviceTree { get; init; }

    /// <summary>Whether -e syncs file systems first (-y/--no-sync turns it off).</summary>
    public bool Sync { get; init; } = true;

    /// <summary>Whether -p applies: the crash kernel is loaded, unloaded or asked about.</summary>
    public bool Crash { get; init; }
}
