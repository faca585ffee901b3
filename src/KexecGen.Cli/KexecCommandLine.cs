using System;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary>
/// kexec's command line as System.CommandLine parses it: kexec-tools' flags and spellings (<c>-l KERNEL</c>,
/// <c>--append=TEXT</c> or <c>--append TEXT</c>), plus <c>table</c> and <c>probe</c>. Exit codes: 0 success, 1 failure,
/// 2 bad usage.
/// </summary>
public sealed class KexecCommandLine
{
    /// <summary>The exit code of bad usage.</summary>
    public const int BadUsage = 2;

    private readonly Option<bool> _load = Flag("--load", "-l", "Load KERNEL for a later kexec -e.");
    private readonly Option<bool> _loadPanic = Flag("--load-panic", "-p", "Load KERNEL as the crash kernel (kdump); with -u or -S, select the crash kernel.");
    private readonly Option<bool> _unload = Flag("--unload", "-u", "Unload the kernel (with -p: the crash kernel).");
    private readonly Option<bool> _exec = Flag("--exec", "-e", "Boot into the loaded kernel now; file systems are synced first.");
    private readonly Option<bool> _status = Flag("--status", "-S", "Exit 0 if a kernel (with -p: a crash kernel) is loaded, 1 if not.");
    private readonly Option<bool> _fileSyscall = Flag("--kexec-file-syscall", "-s", "Load with kexec_file_load only.");
    private readonly Option<bool> _segmentSyscall = Flag("--kexec-syscall", "-c",
        "Load with kexec_load only: a bzImage, an arm64 Image (or Image.gz) or an ELF executable, placed by our own loaders from /proc/iomem, /sys/firmware/{memmap,fdt} and /sys/kernel/boot_params.");
    private readonly Option<bool> _autoSyscall = Flag("--kexec-syscall-auto", "-a", "kexec_file_load, then kexec_load on ENOSYS, EINVAL, ENOEXEC or EOPNOTSUPP (the default).");
    private readonly Option<string> _initrd = Value("--initrd", "--ramdisk", "FILE", "The new kernel's initial ramdisk.");
    private readonly Option<string> _append = Value("--append", "--command-line", "TEXT", "The new kernel's command line.");
    private readonly Option<string> _dtb = Value("--dtb", null, "FILE", "arm64: start from this device tree instead of /sys/firmware/fdt.");
    private readonly Option<bool> _reuseCommandLine = Flag("--reuse-cmdline", null, "Start the command line from /proc/cmdline.");
    private readonly Option<bool> _noSync = Flag("--no-sync", "-y", "With -e: do not sync file systems first.");
    private readonly Option<bool> _dryRun = Flag("--dry-run", null, "Print the syscalls, their arguments and kexec_load's segments; make none.");
    private readonly Option<bool> _json = Flag("--json", null, "One JSON object on standard output.");
    private readonly Argument<string> _kernel = new("KERNEL") { Arity = ArgumentArity.ZeroOrOne, Description = "The kernel image to load (with -l or -p)." };
    private readonly Option<bool> _tableJson = Flag("--json", null, "Print {\"kernel\":…,\"abis\":[{\"name\":…,\"syscalls\":{…},\"Errno\":{…},\"kexec_segment\":{…}},…],\"constants\":{…}}.");
    private readonly Option<string[]> _abi = new("--abi") { Description = "Only the named ABI (repeatable).", HelpName = "NAME" };

    private readonly TextWriter _output;
    private readonly TextWriter _error;

    /// <summary>The command tree.</summary>
    public RootCommand Root { get; }

    /// <summary>Builds the command tree; everything it prints goes to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public KexecCommandLine(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
        Root = new RootCommand("Load a Linux kernel and boot into it without the firmware, as kexec-tools' kexec does. The manual, kexec(8), is kexec.8 beside this program: man -l kexec.8");
        foreach (var option in new Option[] { _load, _loadPanic, _unload, _exec, _status, _fileSyscall, _segmentSyscall, _autoSyscall, _initrd, _append, _dtb, _reuseCommandLine, _noSync, _dryRun, _json })
        {
            Root.Options.Add(option);
        }
        Root.Arguments.Add(_kernel);
        Root.SetAction(result =>
        {
            var (options, problem) = Options(result);
            return options is null ? Usage(problem!) : LoadCommand.Run(options, _output, _error);
        });

        var table = new Command("table", "Each ABI's syscall numbers, kexec constants and struct kexec_segment layout, from the bindings compiled into this tool (no kernel headers, no root needed).");
        table.Options.Add(_tableJson);
        table.Options.Add(_abi);
        table.SetAction(Table);
        Root.Subcommands.Add(table);

        var probe = new Command("probe", "Ask the running kernel whether it implements kexec_load and kexec_file_load (with arguments no kernel accepts: nothing is loaded).");
        probe.SetAction(_ => ProbeCommand.Run(_output));
        Root.Subcommands.Add(probe);
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code. Bad usage is one line on standard error and exit 2.</summary>
    public int Run(string[] args)
    {
        // No response files: an argument starting with '@' is a file name, as for kexec-tools.
        var parsed = Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is ParseErrorAction)
        {
            return Usage(string.Join("; ", parsed.Errors.Select(e => e.Message)));
        }
        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = _output, Error = _error });
    }

    // The load options, or what is wrong with them (kexec-tools' rules: one action; -p alone loads a crash kernel).
    private (LoadOptions? Options, string? Problem) Options(ParseResult result)
    {
        var kernel = result.GetValue(_kernel);
        if (kernel is not null && kernel.StartsWith('-') && kernel.Length > 1) return (null, $"unknown option '{kernel}'");
        var actions = new[] { (_load, KexecAction.Load), (_unload, KexecAction.Unload), (_exec, KexecAction.Exec), (_status, KexecAction.Status) }
            .Where(a => result.GetValue(a.Item1)).Select(a => a.Item2).ToList();
        if (actions.Count > 1) return (null, "give only one of -l, -u, -e and -S");
        bool panic = result.GetValue(_loadPanic);
        var action = actions.Count == 1 ? actions[0] : KexecAction.None;
        if (panic && action is KexecAction.None or KexecAction.Load) action = KexecAction.LoadPanic;
        if (action == KexecAction.None && kernel is not null) action = KexecAction.Load;
        if (action is KexecAction.Load or KexecAction.LoadPanic && kernel is null) return (null, "no kernel to load");
        if (action == KexecAction.None) return (null, "nothing to do: give -l, -p, -u, -e or -S");
        var syscall = result.GetValue(_fileSyscall) ? SyscallChoice.File : result.GetValue(_segmentSyscall) ? SyscallChoice.Segments : SyscallChoice.Auto;
        if (result.GetValue(_autoSyscall)) syscall = SyscallChoice.Auto;
        return (new LoadOptions(action, syscall, kernel, result.GetValue(_initrd), result.GetValue(_append), result.GetValue(_reuseCommandLine),
            result.GetValue(_dryRun), result.GetValue(_json))
        {
            Crash = panic,
            DeviceTree = result.GetValue(_dtb),
            Sync = !result.GetValue(_noSync),
        }, null);
    }

    private int Table(ParseResult result)
    {
        var only = result.GetValue(_abi) ?? Array.Empty<string>();
        var unknown = only.Where(n => AbiTable.All.All(a => a.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            return Usage($"no ABI named {string.Join(", ", unknown)} (known: {string.Join(", ", AbiTable.All.Select(a => a.Name))})");
        }
        TableCommand.Write(_output, AbiTable.All.Where(a => only.Length == 0 || only.Contains(a.Name)).ToList(), result.GetValue(_tableJson));
        return 0;
    }

    private int Usage(string problem)
    {
        _error.WriteLine($"kexec: {problem}");
        _error.WriteLine("Try 'kexec --help'.");
        return BadUsage;
    }

    private static Option<bool> Flag(string name, string? alias, string description)
    {
        var option = alias is null ? new Option<bool>(name) : new Option<bool>(name, alias);
        option.Description = description;
        option.Arity = ArgumentArity.Zero; // "-l KERNEL": the flag never takes the next word as its value
        return option;
    }

    private static Option<string> Value(string name, string? alias, string helpName, string description)
    {
        var option = alias is null ? new Option<string>(name) : new Option<string>(name, alias);
        option.Description = description;
        option.HelpName = helpName;
        return option;
    }
}
