using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>
/// Asks the ABI's cross gcc, for the ABIs libclang has no target for: its preprocessor lists the macros (with the
/// header defining each) and the struct's fields; every number comes from an object file it compiles for the ABI.
/// </summary>
internal static partial class GccProbe
{
    public static ProbeResult Run(AbiSpec abi, GccSpec gcc, BindingsSpec bindings)
    {
        var includes = AbiScanner.Includes(bindings);
        var work = Directory.CreateTempSubdirectory("kexecgen-gcc-");
        try
        {
            var source = Path.Combine(work.FullName, "headers.c");
            File.WriteAllText(source, includes);
            var (code, preprocessed, errors) = Gcc(gcc, abi, "-E", "-dD", source);
            if (code != 0) throw new ScanException($"ABI '{abi.Name}': {gcc.Command} cannot preprocess the headers: {FirstLine(errors)}");
            var (macros, inputs, text) = ReadPreprocessed(abi, bindings, preprocessed);
            var problems = new List<(string Name, string Why)>();
            var fieldLists = bindings.Structs.Select(s => (Name: s.CName, Fields: Fields(text, s.CName, problems))).Where(s => s.Fields is not null).Select(s => (s.Name, Fields: s.Fields!)).ToList();

            var probe = new ValueProbe(includes + AbiScanner.ValueTypes);
            probe.Ask("$pointer_size", "sizeof(void *)");
            foreach (var (name, _) in macros) probe.Ask(name, name);
            foreach (var (name, fields) in fieldLists)
            {
                probe.Ask($"$size {name}", $"sizeof(struct {name})");
                probe.Ask($"$align {name}", $"_Alignof(struct {name})");
                foreach (var (field, _) in fields)
                {
                    probe.Ask($"$offset {name}.{field}", $"__builtin_offsetof(struct {name}, {field})");
                    probe.Ask($"$fieldsize {name}.{field}", $"sizeof(((struct {name} *)0)->{field})");
                }
            }
            var values = probe.Answer(abi.Name, probeSource => Compile(gcc, abi, work.FullName, probeSource));
            int Layout(string key) => values.Remove(key, out long v) ? (int)v : throw new ScanException($"ABI '{abi.Name}': {gcc.Command} could not compute {key}");

            var structs = fieldLists.Select(s => new ScannedStruct(s.Name, Layout($"$size {s.Name}"), Layout($"$align {s.Name}"),
                s.Fields.Select(f => new ScannedField(f.Name, f.Type, Layout($"$offset {s.Name}.{f.Name}"), Layout($"$fieldsize {s.Name}.{f.Name}"))).ToEquatableArray(),
                LocationInfo.FileStart(s.Name))).ToList();
            int pointerSize = Layout("$pointer_size");
            var version = Run(gcc, abi, new[] { "-dumpfullversion" }).Output.Trim();
            return new ProbeResult($"{gcc.Command} {version}", macros, values, pointerSize, structs, inputs, problems);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The answers to <paramref name="probe"/>, from an object file the ABI's gcc compiles.</summary>
    public static Dictionary<string, long> Answer(AbiSpec abi, GccSpec gcc, ValueProbe probe)
    {
        var work = Directory.CreateTempSubdirectory("kexecgen-gcc-");
        try
        {
            return probe.Answer(abi.Name, source => Compile(gcc, abi, work.FullName, source));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    // The object-like macros the bindings select, with their defining header (from the linemarkers), the headers
    // read, and the preprocessed C text without directives.
    private static (List<(string, string)> Macros, List<string> Inputs, string Text) ReadPreprocessed(AbiSpec abi, BindingsSpec bindings, string output)
    {
        var macros = new List<(string, string)>();
        var inputs = new List<string>();
        var text = new System.Text.StringBuilder();
        string file = "";
        foreach (var line in output.Split('\n'))
        {
            var marker = LineMarker().Match(line);
            if (marker.Success)
            {
                file = marker.Groups[1].Value;
                if (file.StartsWith('/') && !inputs.Contains(file)) inputs.Add(file);
                continue;
            }
            var define = Define().Match(line);
            if (define.Success)
            {
                if (!file.StartsWith('/')) continue; // <built-in>, <command-line>, our own file
                var name = define.Groups[1].Value;
                var relative = AbiScanner.Relative(abi, file);
                if (AbiScanner.Wanted(bindings, name, relative) && !macros.Any(m => m.Item1 == name)) macros.Add((name, relative));
                continue;
            }
            if (!line.StartsWith('#')) text.Append(line).Append('\n');
        }
        inputs.RemoveAll(f => !File.Exists(f) || f.EndsWith("/headers.c", StringComparison.Ordinal));
        return (macros, inputs, text.ToString());
    }

    /// <summary>
    /// A struct's field names and C types, read from the preprocessed text. Only plain declarations are understood
    /// (one name each, no arrays, bit-fields or nested types); anything else is a problem of that struct, not a guess.
    /// </summary>
    private static List<(string Name, string Type)>? Fields(string text, string structName, List<(string, string)> problems)
    {
        var match = Regex.Match(text, @"\bstruct\s+" + Regex.Escape(structName) + @"\s*\{([^{}]*)\}\s*;");
        if (!match.Success)
        {
            problems.Add((structName, Regex.IsMatch(text, @"\bunion\s+" + Regex.Escape(structName) + @"\s*\{")
                ? $"{structName} is a union there, and KexecGen binds structs only"
                : Regex.IsMatch(text, @"\bstruct\s+" + Regex.Escape(structName) + @"\s*\{") ? "it has nested members, which the gcc scan cannot read yet" : "it is not defined by the headers"));
            return null;
        }
        var fields = new List<(string, string)>();
        foreach (var raw in match.Groups[1].Value.Split(';'))
        {
            var decl = Regex.Replace(raw, @"\s+", " ").Trim();
            if (decl.Length == 0) continue;
            var field = Declaration().Match(decl);
            if (!field.Success || decl.IndexOfAny(new[] { '(', '[', ':', ',' }) >= 0)
            {
                problems.Add((structName, $"field '{decl}' is an array, a bit-field or another form the gcc scan cannot read yet"));
                return null;
            }
            var type = field.Groups[1].Value.Trim();
            var stars = field.Groups[2].Value.Replace(" ", "", StringComparison.Ordinal);
            fields.Add((field.Groups[3].Value, stars.Length > 0 ? $"{type} {stars}" : type)); // spelt as clang spells types
        }
        return fields;
    }

    private static (List<int>, string?, Dictionary<int, (ulong, bool)>?) Compile(GccSpec gcc, AbiSpec abi, string work, string source)
    {
        var path = Path.Combine(work, "probe.c");
        var obj = Path.Combine(work, "probe.o");
        File.WriteAllText(path, source);
        var (code, _, errors) = Gcc(gcc, abi, "-c", "-O0", "-fno-common", "-fno-zero-initialized-in-bss", "-o", obj, path);
        if (code != 0)
        {
            var lines = ErrorLine().Matches(errors).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            return (lines, FirstLine(errors), null);
        }
        var elf = new ElfSymbols(File.ReadAllBytes(obj));
        var answers = new Dictionary<int, (ulong, bool)>();
        for (int i = 0; ; i++)
        {
            if (elf.Read(ValueProbe.ValuePrefix + i) is not ulong bits) break;
            answers[i] = (bits, elf.Read(ValueProbe.NegativePrefix + i) is ulong n && n != 0);
        }
        return (new List<int>(), null, answers);
    }

    // The ABI's gcc with its include directories and flags, then args.
    private static (int Code, string Output, string Errors) Gcc(GccSpec gcc, AbiSpec abi, params string[] args) =>
        Run(gcc, abi, new[] { "-std=gnu11", "-nostdinc" }.Concat(abi.Include.Select(dir => "-I" + dir)).Concat(abi.Flags).Concat(gcc.Flags).Concat(args));

    private static (int Code, string Output, string Errors) Run(GccSpec gcc, AbiSpec abi, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(gcc.Command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ScanException($"ABI '{abi.Name}': {gcc.Command} is not installed (apt-get install {gcc.Package})");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output.Result, errors);
        }
    }

    private static string FirstLine(string text) => text.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.Ordinal)) ?? text.Split('\n')[0];

    [GeneratedRegex("^# \\d+ \"([^\"]*)\"")]
    private static partial Regex LineMarker();

    [GeneratedRegex("^#define ([A-Za-z_][A-Za-z0-9_]*)(?:[ \\t]|$)")]
    private static partial Regex Define();

    [GeneratedRegex("^([A-Za-z_][A-Za-z0-9_ ]*?)\\s*((?:\\*\\s*)*)([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex Declaration();

    [GeneratedRegex("probe\\.c:(\\d+):\\d+: error")]
    private static partial Regex ErrorLine();
}
