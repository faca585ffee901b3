using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KexecGen.Cli;

/// <summary>What the tool does with one of kexec-tools' options.</summary>
internal enum OptionUse
{
    /// <summary>Done with kexec-tools' meaning.</summary>
    Implemented,

    /// <summary>Accepted; it has no meaning for our loaders (the help says why).</summary>
    NoEffect,

    /// <summary>Refused with its reason: a one-line error, exit 1.</summary>
    Refused,
}

/// <summary>One spelling of an option of kexec-tools 2.0.25 (x86_64's and arm64's builds together), or of ours.</summary>
/// <param name="Long">Its long name.</param>
/// <param name="Short">Its short letter, or '\0'.</param>
/// <param name="Value">The name of its argument, or null for a flag.</param>
/// <param name="Id">What it means (spellings of one option share it).</param>
/// <param name="Use">What the tool does with it.</param>
/// <param name="Help">What it does or, for the others, why not.</param>
internal sealed record KexecOption(string Long, char Short, string? Value, string Id, OptionUse Use, string Help)
{
    /// <summary>As the getopt parse knows it.</summary>
    public GetoptOption Getopt { get; } = new(Long, Short, Value is not null, Id);
}

/// <summary>
/// kexec-tools' options (kexec/kexec.h and the x86_64 and arm64 option tables of 2.0.25), each answered, and how a
/// command line becomes <see cref="LoadOptions"/> as kexec-tools' main sets its flags: options in any order, the last
/// of -s/-c/-a wins, the last --append/--initrd wins, -S reads the crash kernel unless -l alone is given.
/// </summary>
internal static class KexecOptions
{
    private const string NoPurgatory = "a purgatory's console option; our loaders run no purgatory, the new kernel is entered directly";
    private const string NoJump = "kexec jump (KEXEC_PRESERVE_CONTEXT) needs a purgatory that returns; our loaders enter the new kernel directly";

    /// <summary>Every option, in the order --help lists them.</summary>
    public static readonly IReadOnlyList<KexecOption> All = new KexecOption[]
    {
        new("load", 'l', null, "load", OptionUse.Implemented, "Load KERNEL, to boot later with -e."),
        new("load-panic", 'p', null, "load-panic", OptionUse.Implemented, "Load KERNEL as the crash kernel (kdump); with -u or -S, the crash kernel."),
        new("unload", 'u', null, "unload", OptionUse.Implemented, "Unload the kernel (with -p, before or after: the crash kernel; before -l or -p with a KERNEL: unload, then load)."),
        new("exec", 'e', null, "exec", OptionUse.Implemented, "Boot into the loaded kernel now; file systems are synced first."),
        new("force", 'f', null, "force", OptionUse.Implemented, "Load KERNEL (if given) and boot into it at once, without shutdown: file systems synced, nothing unmounted."),
        new("status", 'S', null, "status", OptionUse.Implemented, "Exit 1 if the crash kernel (with -l alone: the kernel) is loaded, 0 if not; print nothing."),
        new("kexec-file-syscall", 's', null, "kexec-file-syscall", OptionUse.Implemented, "Load with kexec_file_load only."),
        new("kexec-syscall", 'c', null, "kexec-syscall", OptionUse.Implemented, "Load with kexec_load only, through our own loaders (bzImage, arm64 Image or Image.gz, ELF)."),
        new("kexec-syscall-auto", 'a', null, "kexec-syscall-auto", OptionUse.Implemented, "kexec_file_load, then kexec_load on ENOSYS, EINVAL, ENOEXEC or EOPNOTSUPP (the default)."),
        new("append", '\0', "STRING", "append", OptionUse.Implemented, "The new kernel's command line, byte for byte (the last one given)."),
        new("command-line", '\0', "STRING", "append", OptionUse.Implemented, "The same as --append."),
        new("reuse-cmdline", '\0', null, "reuse-cmdline", OptionUse.Implemented, "Start the command line from /proc/cmdline, less BOOT_IMAGE= and, with -p, crashkernel=; --append follows."),
        new("initrd", '\0', "FILE", "initrd", OptionUse.Implemented, "The new kernel's initial ramdisk (a regular file or a block device)."),
        new("ramdisk", '\0', "FILE", "initrd", OptionUse.Implemented, "The same as --initrd."),
        new("dtb", '\0', "FILE", "dtb", OptionUse.Implemented, "arm64: start from this device tree instead of /sys/firmware/fdt."),
        new("no-sync", 'y', null, "no-sync", OptionUse.Implemented, "Do not sync file systems before -e or -f."),
        new("debug", 'd', null, "debug", OptionUse.Implemented, "Also print the syscalls and kexec_load's segments on standard error."),
        new("print-ckr-size", '\0', null, "print-ckr-size", OptionUse.Implemented, "Print the size in bytes of the crash kernel's reservation (the last \"Crash kernel\" range of /proc/iomem) and exit."),
        new("help", 'h', null, "help", OptionUse.Implemented, "Print this help and exit."),
        new("version", 'v', null, "version", OptionUse.Implemented, "Print the version and exit."),
        new("dry-run", '\0', null, "dry-run", OptionUse.Implemented, "Do everything but the syscalls that load, unload or execute: open and read the files, plan, print the calls."),
        new("json", '\0', null, "json", OptionUse.Implemented, "One JSON object on standard output."),

        new("no-checks", 'i', null, "no-checks", OptionUse.NoEffect, "kexec-tools' purgatory skips its checksum; ours has no purgatory to check."),
        new("no-ifdown", 'x', null, "no-ifdown", OptionUse.NoEffect, "Network interfaces are never taken down."),
        new("type", 't', "TYPE", "type", OptionUse.NoEffect, "One of kexec-tools' type names (bzImage64, bzImage, elf-x86_64, Image, vmlinux, …); the format is then recognised from the file itself, as kexec-tools' kexec_file_load does."),
        new("elf64-core-headers", '\0', null, "elf64-core-headers", OptionUse.NoEffect, "Crash kernels always get ELF64 core headers."),
        new("elf32-core-headers", '\0', null, "elf32-core-headers", OptionUse.NoEffect, "x86_64 and arm64 crash kernels get ELF64 core headers, as kexec-tools writes them there."),
        new("pass-memmap-cmdline", '\0', null, "pass-memmap-cmdline", OptionUse.NoEffect, "The crash kernel's memory map goes in boot_params' e820 table, which it reads."),
        new("reuse-video-type", '\0', null, "reuse-video-type", OptionUse.NoEffect, "screen_info is copied from the running kernel as it is."),
        new("reset-vga", '\0', null, "reset-vga", OptionUse.NoEffect, NoPurgatory + "."),
        new("console-vga", '\0', null, "console-vga", OptionUse.NoEffect, NoPurgatory + "."),
        new("console-serial", '\0', null, "console-serial", OptionUse.NoEffect, NoPurgatory + "."),
        new("serial", '\0', "PORT", "serial", OptionUse.NoEffect, NoPurgatory + "."),
        new("serial-baud", '\0', "BAUD", "serial-baud", OptionUse.NoEffect, NoPurgatory + "."),

        new("load-preserve-context", '\0', null, "load-preserve-context", OptionUse.Refused, NoJump),
        new("load-jump-back-helper", '\0', null, "load-jump-back-helper", OptionUse.Refused, NoJump),
        new("entry", '\0', "ADDRESS", "entry", OptionUse.Refused, "our loaders enter each kernel where its boot protocol says; another entry is not supported"),
        new("mem-min", '\0', "ADDRESS", "mem-min", OptionUse.Refused, "our loaders place segments from the memory map; a window of physical memory is not supported"),
        new("mem-max", '\0', "ADDRESS", "mem-max", OptionUse.Refused, "our loaders place segments from the memory map; a window of physical memory is not supported"),
        new("reuseinitrd", '\0', null, "reuseinitrd", OptionUse.Refused, "kexec-tools 2.0.25 implements it on neither x86_64 nor arm64"),
        new("load-live-update", '\0', null, "load-live-update", OptionUse.Refused, "Xen only"),
        new("exec-live-update", '\0', null, "exec-live-update", OptionUse.Refused, "Xen only"),
        new("hotplug", '\0', null, "hotplug", OptionUse.Refused, "crash hotplug (KEXEC_UPDATE_ELFCOREHDR, kexec-tools 2.0.28) is not supported"),
        new("noefi", '\0', null, "noefi", OptionUse.Refused, "the bzImage loader hands EFI over whenever the running kernel has it; leaving it out is not supported"),
        new("real-mode", '\0', null, "real-mode", OptionUse.Refused, "the bzImage loader uses the 64-bit entry only"),
        new("entry-32bit", '\0', null, "entry-32bit", OptionUse.Refused, "the bzImage loader uses the 64-bit entry only"),
        new("args-elf", '\0', null, "args-elf", OptionUse.Refused, "the ELF loader passes no argument block"),
        new("args-linux", '\0', null, "args-linux", OptionUse.Refused, "the ELF loader passes no argument block"),
        new("args-none", '\0', null, "args-none", OptionUse.Refused, "the ELF loader passes no argument block"),
        new("module", '\0', "MODULE", "module", OptionUse.Refused, "multiboot images are not supported"),
    };

    // getopt's view: every spelling, and kexec-tools' "-?" (usage, exit 1).
    private static readonly IReadOnlyList<GetoptOption> Known = All.Select(o => o.Getopt).Append(new GetoptOption(null, '?', false, "usage")).ToList();

    // kexec-tools 2.0.25's file types, the names -t takes: x86_64's (kexec-x86_64.c) and arm64's (kexec-arm64.c).
    private static readonly string[] KexecToolsTypes =
    {
        "multiboot2-x86", "elf-x86_64", "multiboot-x86", "elf-x86", "bzImage64", "bzImage", "beoboot-x86", "nbi-x86",
        "vmlinux", "Image", "uImage", "zImage",
    };

    // The options that only mean something to a load: kexec-tools' x86_64 build refuses them with -e, -u and -S.
    private static readonly HashSet<string> LoadOnly = new(StringComparer.Ordinal) { "append", "reuse-cmdline", "initrd", "dtb" };

    /// <summary>What a parse gives: options to run, or a command that ends at once (help, version, print-ckr-size), or an error.</summary>
    internal sealed record Parsed(LoadOptions? Options, string? Command, string? Error);

    /// <summary>Parses <paramref name="argv"/> (bytes, as the process got them) as kexec-tools' main does.</summary>
    public static Parsed Parse(IReadOnlyList<byte[]> argv)
    {
        var (given, operands, error) = Getopt.Parse(argv, Known);
        if (error is not null) return new(null, null, error);

        bool load = true, shutdown = true, sync = true, exec = false, unload = false, status = false, crash = false, hasLoad = false, skipSync = false;
        var options = new LoadOptions();
        byte[]? initrd = null;
        foreach (var (option, value, spelling) in given)
        {
            switch (option.Id)
            {
                case "help" or "version" or "print-ckr-size": return new(null, option.Id, null);
                case "usage": return new(null, null, "invalid option -- '?'");
                case "load": (hasLoad, load, exec, shutdown) = (true, true, false, false); break;
                case "load-panic": (load, exec, shutdown, sync, crash) = (true, false, false, false, true); break;
                case "unload": (load, shutdown, sync, unload) = (false, false, false, true); break;
                case "exec": (load, shutdown, sync, exec) = (false, false, true, true); break;
                case "force": (load, shutdown, sync, exec) = (true, false, true, true); break;
                case "status": status = true; break;
                case "no-sync": skipSync = true; break;
                case "kexec-file-syscall": options = options with { Syscall = SyscallChoice.File }; break;
                case "kexec-syscall": options = options with { Syscall = SyscallChoice.Segments }; break;
                case "kexec-syscall-auto": options = options with { Syscall = SyscallChoice.Auto }; break;
                case "append": options = options with { Append = value }; break;
                case "reuse-cmdline": options = options with { ReuseCommandLine = true }; break;
                case "initrd": initrd = value; break;
                case "dtb": options = options with { DeviceTree = value }; break;
                case "debug": options = options with { Debug = true }; break;
                case "type" when !KexecToolsTypes.Contains(Encoding.UTF8.GetString(value!)):
                    return new(null, null, $"unsupported kernel type {InputFile.Shown(value!)} (kexec-tools' types: {string.Join(", ", KexecToolsTypes)})");
                case "dry-run": options = options with { DryRun = true }; break;
                case "json": options = options with { Json = true }; break;
                default:
                    var known = All.First(o => o.Id == option.Id);
                    if (known.Use == OptionUse.Refused) return new(null, null, $"{spelling}: not supported: {known.Help}");
                    break;
            }
        }
        if (skipSync) sync = false;
        if (status)
        {
            // kexec-tools: -S asks about the crash kernel unless -l is given (and -p is not); it does nothing else.
            crash = crash || !hasLoad;
            (load, unload, shutdown, sync, exec) = (false, false, false, false, false);
        }
        if (!load && given.FirstOrDefault(g => LoadOnly.Contains(g.Option.Id)) is { } stray)
        {
            return new(null, null, $"{stray.Spelling} means something only to a load (-l, -p, -f or a kernel alone)");
        }
        var kernel = operands.Count > 0 ? operands[0] : null;
        // -f with no kernel (petitboot's "kexec -e -f"): execute what is loaded (kexec-tools would stop at "No kernel specified").
        if (load && kernel is null && exec && given.Any(g => g.Option.Id == "force")) load = false;
        // -u -p with no kernel: unload the crash kernel (kexec-tools unloads it, then stops at "No kernel specified").
        if (load && kernel is null && unload) load = false;
        if (load && kernel is null) return new(null, null, "no kernel specified");
        return new(options with
        {
            Status = status, Unload = unload, Load = load, Shutdown = shutdown, Sync = sync, Exec = exec, Crash = crash,
            KernelPath = load ? kernel : null, InitrdPath = initrd,
        }, null, null);
    }

    /// <summary>Whether <paramref name="argv"/> gives one of kexec-tools' actions (-l, -p, -u, -e, -f, -S): then a first word is a kernel, not a command.</summary>
    public static bool NamesAnAction(IReadOnlyList<byte[]> argv)
    {
        var (given, _, error) = Getopt.Parse(argv, Known);
        return error is null && given.Any(g => g.Option.Id is "load" or "load-panic" or "unload" or "exec" or "force" or "status");
    }

    /// <summary>The --help text: kexec-tools' spellings first, then what is accepted without effect, then what is refused.</summary>
    public static string Help()
    {
        var text = new StringBuilder();
        text.AppendLine("Usage: kexec [OPTIONS] [KERNEL]");
        text.AppendLine("       kexec table [--json] [--abi NAME]...   each ABI's syscall numbers, constants and struct layouts");
        text.AppendLine("       kexec probe                            whether this kernel implements kexec_load and kexec_file_load");
        text.AppendLine("Load a Linux kernel and boot into it without the firmware, as kexec-tools 2.0.25 does, with the same options.");
        text.AppendLine("A KERNEL with no action loads it, then reboots through /sbin/shutdown -r now. table and probe are commands");
        text.AppendLine("as the first word with no -l, -p, -u, -e, -f or -S after them (a kernel file named table, with no action: ./table).");
        text.AppendLine("The manual, kexec(8), is kexec.8 beside this program: man -l kexec.8");
        foreach (var (use, title) in new[] { (OptionUse.Implemented, "Options:"), (OptionUse.NoEffect, "Accepted, without effect here:"), (OptionUse.Refused, "Refused (exit 1), with the reason:") })
        {
            text.AppendLine().AppendLine(title);
            foreach (var group in All.Where(o => o.Use == use).GroupBy(o => o.Id))
            {
                var spellings = string.Join(", ", group.Select(o => (o.Short == '\0' ? "" : $"-{o.Short}, ") + $"--{o.Long}{(o.Value is null ? "" : "=" + o.Value)}"));
                text.AppendLine($"  {spellings,-34} {group.First().Help}");
            }
        }
        text.AppendLine();
        text.AppendLine("Long options may be abbreviated where unambiguous (--app=...); a value follows after '=' or as the next");
        text.AppendLine("word; short options bundle (-sp); \"--\" ends the options. Exit: 0 success, 1 failure or bad usage (-S: 1");
        text.AppendLine("when loaded).");
        return text.ToString();
    }
}
