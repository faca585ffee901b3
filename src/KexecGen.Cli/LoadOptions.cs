using System;
using System.Collections.Generic;

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

/// <summary>The kexec-tools-style command line, parsed.</summary>
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
    /// <summary>Parses kexec-tools' flags; <paramref name="error"/> says what is wrong when it returns null.</summary>
    public static LoadOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var action = KexecAction.None;
        var syscall = SyscallChoice.Auto;
        string? kernel = null, initrd = null, append = null, dtb = null;
        bool reuse = false, dryRun = false, json = false, panic = false, sync = true;
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is int eq and > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string? Value()
            {
                if (inline is not null) return inline;
                if (i + 1 < args.Count) return args[++i];
                return null;
            }
            bool SetAction(KexecAction a)
            {
                if (action != KexecAction.None && action != a) return false;
                action = a;
                return true;
            }
            switch (arg)
            {
                case "-l" or "--load": if (!SetAction(KexecAction.Load)) return Conflict(out error); break;
                case "-p" or "--load-panic": panic = true; break;
                case "-u" or "--unload": if (!SetAction(KexecAction.Unload)) return Conflict(out error); break;
                case "-e" or "--exec": if (!SetAction(KexecAction.Exec)) return Conflict(out error); break;
                case "-S" or "--status": if (!SetAction(KexecAction.Status)) return Conflict(out error); break;
                case "-s" or "--kexec-file-syscall": syscall = SyscallChoice.File; break;
                case "-c" or "--kexec-syscall": syscall = SyscallChoice.Segments; break;
                case "-a" or "--kexec-syscall-auto": syscall = SyscallChoice.Auto; break;
                case "--initrd" or "--ramdisk": initrd = Value(); if (initrd is null) return Missing(arg, out error); break;
                case "--append" or "--command-line": append = Value(); if (append is null) return Missing(arg, out error); break;
                case "--dtb": dtb = Value(); if (dtb is null) return Missing(arg, out error); break;
                case "-y" or "--no-sync": sync = false; break;
                case "--reuse-cmdline": reuse = true; break;
                case "--dry-run": dryRun = true; break;
                case "--json": json = true; break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1)
                    {
                        error = $"unknown option '{args[i]}'";
                        return null;
                    }
                    if (kernel is not null)
                    {
                        error = $"more than one kernel given ('{kernel}' and '{arg}')";
                        return null;
                    }
                    kernel = arg;
                    break;
            }
        }
        // -p alone loads a crash kernel; with -u or -S it selects the crash kernel.
        if (panic && action is KexecAction.None or KexecAction.Load) action = KexecAction.LoadPanic;
        if (action == KexecAction.None && kernel is not null) action = KexecAction.Load;
        if (action is KexecAction.Load or KexecAction.LoadPanic && kernel is null)
        {
            error = "no kernel to load";
            return null;
        }
        if (action == KexecAction.None)
        {
            error = "nothing to do: give -l, -p, -u, -e or -S";
            return null;
        }
        return new LoadOptions(action, syscall, kernel, initrd, append, reuse, dryRun, json) { Crash = panic, DeviceTree = dtb, Sync = sync };
    }

    /// <summary>--dtb: the device tree an arm64 Image starts from instead of /sys/firmware/fdt.</summary>
    public string? DeviceTree { get; init; }

    /// <summary>Whether -e syncs file systems first (-y/--no-sync turns it off).</summary>
    public bool Sync { get; init; } = true;

    /// <summary>Whether -p applies: the crash kernel is loaded, unloaded or asked about.</summary>
    public bool Crash { get; init; }

    private static LoadOptions? Conflict(out string error)
    {
        error = "give only one of -l, -u, -e and -S";
        return null;
    }

    private static LoadOptions? Missing(string option, out string error)
    {
        error = $"{option} needs a value";
        return null;
    }
}
