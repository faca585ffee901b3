using System;
using System.Collections.Generic;
using System.Text;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.IO;
using System.Linq;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary>
/// kexec's command line: kexec-tools' options, parsed as its getopt_long parses them (<see cref="KexecOptions"/>), over
/// argv as bytes; and, where the first word is <c>table</c> or <c>probe</c> and no load, unload, exec or status option
/// follows (<c>kexec table -l</c> loads a kernel file named table, as kexec-tools would), those commands (System.CommandLine).
/// Exit codes as kexec-tools': 0 success, 1 failure or bad usage.
/// </summary>
public sealed class KexecCommandLine
{
    /// <summary>The exit code of bad usage (kexec-tools': the same as a failure).</summary>
    public const int BadUsage = 1;

    private readonly Option<bool> _tableJson = Flag("--json", null, "Print {\"kernel\":…,\"abis\":[{\"name\":…,\"syscalls\":{…},\"Errno\":{…},\"kexec_segment\":{…}},…],\"constants\":{…}}.");
    private readonly Option<string[]> _abi = new("--abi") { Description = "Only the named ABI (repeatable).", HelpName = "NAME" };

    private readonly TextWriter _output;
    private readonly TextWriter _error;

    /// <summary>The table and probe commands.</summary>
    public RootCommand Root { get; }

    /// <summary>Builds the commands; everything they print goes to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public KexecCommandLine(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
        Root = new RootCommand("kexec's own commands.");

        var table = new Command("table", "Each ABI's syscall numbers, kexec constants and struct kexec_segment layout, from the bindings compiled into this tool (no kernel headers, no root needed).");
        table.Options.Add(_tableJson);
        table.Options.Add(_abi);
        table.SetAction(Table);
        Root.Subcommands.Add(table);

        var probe = new Command("probe", "Ask the running kernel whether it implements kexec_load and kexec_file_load (with arguments no kernel accepts: nothing is loaded).");
        probe.SetAction(_ => ProbeCommand.Run(_output));
        Root.Subcommands.Add(probe);
    }

    /// <summary>Runs <paramref name="args"/> (as .NET decoded them: UTF-8); returns the exit code.</summary>
    public int Run(string[] args) => Run(args.Select(a => Encoding.UTF8.GetBytes(a)).ToList());

    /// <summary>Runs <paramref name="argv"/>, the arguments byte for byte; returns the exit code. Errors are one line on standard error.</summary>
    public int Run(IReadOnlyList<byte[]> argv)
    {
        if (argv.Count > 0 && (argv[0].AsSpan().SequenceEqual("table"u8) || argv[0].AsSpan().SequenceEqual("probe"u8)) && !KexecOptions.NamesAnAction(argv.Skip(1).ToList()))
        {
            return Subcommand(argv.Select(a => Encoding.UTF8.GetString(a)).ToArray());
        }
        var parsed = KexecOptions.Parse(argv);
        if (parsed.Error is not null) return Usage(parsed.Error);
        switch (parsed.Command)
        {
            case "help":
                _output.Write(KexecOptions.Help());
                return 0;
            case "version":
                _output.WriteLine($"KexecGen {typeof(KexecCommandLine).Assembly.GetName().Version?.ToString(3)} (kexec-tools 2.0.25's command line)");
                return 0;
            case "print-ckr-size":
                return LoadCommand.PrintCrashReservationSize(_output, _error);
        }
        return LoadCommand.Run(parsed.Options!, _output, _error);
    }

    private int Subcommand(string[] args)
    {
        // No response files: an argument starting with '@' is a file name.
        var parsed = Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is ParseErrorAction)
        {
            return Usage(string.Join("; ", parsed.Errors.Select(e => e.Message)));
        }
        return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = _output, Error = _error });
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
        _error.WriteLine($"kexec: {InputFile.OneLine(problem)} (kexec --help lists the options)");
        return BadUsage;
    }

    private static Option<bool> Flag(string name, string? alias, string description)
    {
        var option = alias is null ? new Option<bool>(name) : new Option<bool>(name, alias);
        option.Description = description;
        option.Arity = ArgumentArity.Zero; // "-l KERNEL": the flag never takes the next word as its value
        return option;
    }
}
