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
        var includes = AbiScanner.Includes(bindings, abi);
        var work = Directory.CreateTempSubdirectory("kexecgen-gcc-");
        try
        {
            var source = Path.Combine(work.FullName, "headers.c");
            File.WriteAllText(source, includes);
            var (code, preprocessed, errors) = Gcc(gcc, abi, "-E", "-dD", source);
            if (code != 0) throw new ScanException($"ABI '{abi.Name}': {gcc.Command} cannot preprocess the headers: {FirstLine(errors)}");
            var (macros, inputs, text) = ReadPreprocessed(abi, bindings, preprocessed);
            var problems = new List<(string Name, string Why)>();
            var records = Structure(bindings, abi, text, problems);

            var probe = new ValueProbe(includes + AbiScanner.ValueTypes);
            probe.Ask("$pointer_size", "sizeof(void *)");
            probe.Ask("$big_endian", "__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__");
            foreach (var (name, _) in macros) probe.Ask(name, name);
            foreach (var record in records) AskLayout(probe, record);
            var values = probe.Answer(abi.Name, probeSource => Compile(gcc, abi, work.FullName, probeSource));
            bool bigEndian = values.Remove("$big_endian", out long big) && big != 0;
            var images = BitImages(gcc, abi, work.FullName, includes, records);
            var structs = new List<ScannedStruct>();
            foreach (var record in records)
            {
                if (Layout(record, values, images, bigEndian) is { } layout) structs.Add(layout);
                else problems.Add((record.Name, $"{gcc.Command} could not lay out every field of {record.Name}"));
            }
            if (!values.Remove("$pointer_size", out long pointerSize)) throw new ScanException($"ABI '{abi.Name}': {gcc.Command} could not compute sizeof(void *)");
            var version = Run(gcc, abi, new[] { "-dumpfullversion" }).Output.Trim();
            return new ProbeResult($"{gcc.Command} {version}", macros, values, (int)pointerSize, structs, inputs, problems);
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

    // The triple the preprocessed text is parsed for: only its structure is read (fields, nesting, element types), so
    // any triple clang has serves; every number comes from the ABI's gcc.
    private const string StructureTriple = "x86_64-linux-gnu";

    // The bound records and those they hold, as libclang reads gcc's preprocessed text.
    private static List<RecordScanner.Record> Structure(BindingsSpec bindings, AbiSpec abi, string text, List<(string, string)> problems)
    {
        var wanted = bindings.StructsFor(abi.Name).Select(s => s.CName).ToList();
        using var tu = TranslationUnit.Parse(StructureTriple, new List<string>(), new List<string>(), text, out var errors);
        // A builtin clang lacks (alpha's __builtin_alpha_inslh) is called in a function body, which holds no record.
        errors.RemoveAll(e => e.Text.Contains("use of unknown builtin", StringComparison.Ordinal));
        if (errors.Count == 0) return RecordScanner.Walk(tu, wanted, problems);
        problems.AddRange(wanted.Select(w => (w, $"clang cannot read the structure of gcc's preprocessed headers: {errors[0].Text}")));
        return new List<RecordScanner.Record>();
    }

    // The questions that lay a record out: its size and alignment; each field's offset, element size, count, signedness.
    private static void AskLayout(ValueProbe probe, RecordScanner.Record record)
    {
        var e = record.TypeExpression;
        probe.Ask($"$size {record.Name}", $"sizeof({e})");
        probe.Ask($"$align {record.Name}", $"_Alignof({e})");
        foreach (var f in record.Fields)
        {
            var key = $"{record.Name}.{f.Name}";
            if (f.Kind is ScannedArg.Signed or ScannedArg.Unsigned) probe.Ask($"$signed {key}", $"(({f.Element})-1) < (({f.Element})0)");
            if (f.Bits > 0)
            {
                probe.Ask($"$fieldsize {key}", $"sizeof({f.Element})");
                continue; // offsetof and sizeof refuse a bit-field: its place comes from a memory image
            }
            var element = $"(({e} *)0)->{f.Name}" + string.Concat(Enumerable.Repeat("[0]", f.Dims?.Count ?? 0));
            probe.Ask($"$offset {key}", $"__builtin_offsetof({e}, {f.Name})");
            probe.Ask($"$fieldsize {key}", $"sizeof({element})");
            if (f.Dims is { } dims && !dims.Contains(RecordScanner.Flexible)) probe.Ask($"$count {key}", $"sizeof((({e} *)0)->{f.Name}) / sizeof({element})");
        }
    }

    // Each bit-field's memory image: the record with only that field's bits set, as gcc lays it out.
    private static Dictionary<string, byte[]> BitImages(GccSpec gcc, AbiSpec abi, string work, string includes, List<RecordScanner.Record> records)
    {
        var bitFields = records.SelectMany(r => r.Fields.Where(f => f.Bits > 0).Select(f => (Record: r, Field: f))).ToList();
        var images = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (bitFields.Count == 0) return images;
        var source = new System.Text.StringBuilder(includes);
        for (int i = 0; i < bitFields.Count; i++)
        {
            var (r, f) = bitFields[i];
            source.Append($"const union {{ {r.TypeExpression} s; unsigned char b[sizeof({r.TypeExpression})]; }} kexecgen_bits{i} = {{ .s = {{ .{f.Name} = -1 }} }};\n");
        }
        var (errors, elf) = CompileObject(gcc, abi, work, source.ToString());
        if (elf is null) throw new ScanException($"ABI '{abi.Name}': {gcc.Command} cannot compile the bit-field images: {FirstLine(errors)}");
        for (int i = 0; i < bitFields.Count; i++)
        {
            if (elf.Bytes($"kexecgen_bits{i}") is { } image) images[$"{bitFields[i].Record.Name}.{bitFields[i].Field.Name}"] = image;
        }
        return images;
    }

    // A record laid out from gcc's answers; null when one is missing.
    private static ScannedStruct? Layout(RecordScanner.Record record, Dictionary<string, long> values, Dictionary<string, byte[]> images, bool bigEndian)
    {
        int? Value(string key) => values.TryGetValue(key, out long v) ? (int)v : null;
        if (Value($"$size {record.Name}") is not int size || Value($"$align {record.Name}") is not int align) return null;
        var fields = new List<ScannedField>();
        foreach (var f in record.Fields)
        {
            var key = $"{record.Name}.{f.Name}";
            string kind = f.Kind is ScannedArg.Signed or ScannedArg.Unsigned
                ? (Value($"$signed {key}") is int signed ? (signed != 0 ? ScannedArg.Signed : ScannedArg.Unsigned) : "")
                : f.Kind;
            if (kind.Length == 0 || Value($"$fieldsize {key}") is not int fieldSize) return null;
            if (f.Bits > 0)
            {
                if (!images.TryGetValue(key, out var image) || RecordScanner.BitPlace(image, bigEndian) is not { } place || place.Width != f.Bits) return null;
                fields.Add(new ScannedField(f.Name, f.Type, place.Offset, fieldSize, kind, null, f.Bits, place.Bit));
                continue;
            }
            if (Value($"$offset {key}") is not int offset) return null;
            int? count = f.Dims is null ? null : f.Dims.Contains(RecordScanner.Flexible) ? 0 : Value($"$count {key}");
            if (f.Dims is not null && count is null) return null;
            // The bounds gcc counted, in the spelling's place: a bound written with sizeof(long) differs per ABI.
            var type = f.Dims is null ? f.Type : f.Element + (f.Dims.Contains(RecordScanner.Flexible) ? "[]" : $"[{count}]");
            fields.Add(new ScannedField(f.Name, type, offset, fieldSize, kind, count));
        }
        return new ScannedStruct(record.Name, size, align, fields.ToEquatableArray(), LocationInfo.FileStart(record.Name), record.Kind);
    }

    private static (List<int>, string?, Dictionary<int, (ulong, bool)>?) Compile(GccSpec gcc, AbiSpec abi, string work, string source)
    {
        var (errors, elf) = CompileObject(gcc, abi, work, source);
        if (elf is null)
        {
            var lines = ErrorLine().Matches(errors).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            return (lines, FirstLine(errors), null);
        }
        var answers = new Dictionary<int, (ulong, bool)>();
        for (int i = 0; ; i++)
        {
            if (elf.Read(ValueProbe.ValuePrefix + i) is not ulong bits) break;
            answers[i] = (bits, elf.Read(ValueProbe.NegativePrefix + i) is ulong n && n != 0);
        }
        return (new List<int>(), null, answers);
    }

    // The object file gcc compiles from 'source', or its errors.
    private static (string Errors, ElfSymbols? Object) CompileObject(GccSpec gcc, AbiSpec abi, string work, string source)
    {
        var path = Path.Combine(work, "probe.c");
        var obj = Path.Combine(work, "probe.o");
        File.WriteAllText(path, source);
        var (code, _, errors) = Gcc(gcc, abi, "-c", "-O0", "-fno-common", "-fno-zero-initialized-in-bss", "-o", obj, path);
        return code != 0 ? (errors, null) : (errors, new ElfSymbols(File.ReadAllBytes(obj)));
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

    // An error in a header's macro is followed by the line of ours that expanded it.
    [GeneratedRegex("probe\\.c:(\\d+):\\d+: (?:error|note: in expansion of macro)")]
    private static partial Regex ErrorLine();
}
