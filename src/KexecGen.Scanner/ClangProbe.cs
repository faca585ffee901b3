using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>Asks libclang, parsing for the ABI's own target triple: macros, struct layouts, values.</summary>
internal static class ClangProbe
{
    public static ProbeResult Run(AbiSpec abi, BindingsSpec bindings)
    {
        var includes = AbiScanner.Includes(bindings, abi);
        var macros = new List<(string Name, string File)>();
        var problems = new List<(string, string)>();
        List<RecordScanner.Record> records;
        List<string> inputs;
        using (var tu = TranslationUnit.Parse(abi.Triple, abi.Flags.ToList(), abi.Include.ToList(), includes, out var errors))
        {
            if (errors.Count > 0) throw new ScanException($"ABI '{abi.Name}' ({abi.Triple}): the headers do not parse: {errors[0].Text}");
            foreach (var cursor in tu.TopLevel().Where(c => c.Kind == CursorKind.MacroDefinition)) CollectMacro(cursor, abi, bindings, macros);
            records = RecordScanner.Walk(tu, bindings.StructsFor(abi.Name).Select(s => s.CName).ToList(), problems);
            inputs = tu.IncludedFiles();
        }

        var probe = new ValueProbe(includes + AbiScanner.ValueTypes);
        probe.Ask(PointerSize, "sizeof(void *)");
        probe.Ask(BigEndian, "__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__");
        foreach (var (name, _) in macros) probe.Ask(name, name);
        var values = probe.Answer(abi.Name, source => Evaluate(abi, source));
        if (!values.Remove(PointerSize, out long pointerSize)) throw new ScanException($"ABI '{abi.Name}': sizeof(void *) could not be evaluated");
        if (!values.Remove(BigEndian, out long big)) throw new ScanException($"ABI '{abi.Name}': its byte order could not be evaluated");
        var structs = records.Select(r => RecordScanner.Scanned(r, big != 0)).ToList();
        return new ProbeResult("libclang " + LibClang.Take(LibClang.clang_getClangVersion()), macros, values, (int)pointerSize, structs, inputs, problems);
    }

    private const string PointerSize = "$pointer_size";
    private const string BigEndian = "$big_endian";

    /// <summary>The answers to <paramref name="probe"/>, parsed for the ABI's triple.</summary>
    public static Dictionary<string, long> Answer(AbiSpec abi, ValueProbe probe) => probe.Answer(abi.Name, source => Evaluate(abi, source));

    // Object-like macros the bindings select, and the __NR_ numbers of the bound syscalls.
    private static void CollectMacro(CXCursor cursor, AbiSpec abi, BindingsSpec bindings, List<(string, string)> macros)
    {
        if (LibClang.clang_Cursor_isMacroFunctionLike(cursor) != 0) return;
        var (file, _) = TranslationUnit.Place(cursor);
        if (file.Length == 0 || file == TranslationUnit.SourceName) return; // builtin or ours
        var name = TranslationUnit.Spelling(cursor);
        var relative = AbiScanner.Relative(abi, file);
        if (AbiScanner.Wanted(bindings, name, relative) && !macros.Any(m => m.Item1 == name)) macros.Add((name, relative));
    }

    private static (List<int>, string?, Dictionary<int, (ulong, bool)>?) Evaluate(AbiSpec abi, string source)
    {
        using var tu = TranslationUnit.Parse(abi.Triple, abi.Flags.ToList(), abi.Include.ToList(), source, out var errors);
        if (errors.Count > 0) return (errors.Select(e => (int)e.Line).ToList(), errors[0].Text, null);
        var bits = new Dictionary<int, ulong>();
        var negative = new Dictionary<int, bool>();
        foreach (var cursor in tu.TopLevel().Where(c => c.Kind == CursorKind.VarDecl))
        {
            var name = TranslationUnit.Spelling(cursor);
            if (Index(name, ValueProbe.ValuePrefix) is int v && TranslationUnit.EvaluateBits(cursor) is ulong b) bits[v] = b;
            else if (Index(name, ValueProbe.NegativePrefix) is int n) negative[n] = TranslationUnit.EvaluateBits(cursor) is ulong x && x != 0;
        }
        return (new List<int>(), null, bits.ToDictionary(p => p.Key, p => (p.Value, negative.GetValueOrDefault(p.Key))));
    }

    private static int? Index(string name, string prefix) =>
        name.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(name.AsSpan(prefix.Length), out int i) ? i : null;
}
