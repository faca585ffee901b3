using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>Scans one ABI's kernel headers with libclang: macros evaluated, struct layouts, syscall numbers, input hashes.</summary>
public static class AbiScanner
{
    private const string ValuePrefix = "kexecgen_v";
    private const string PointerSizeName = "kexecgen_pointer_size";

    /// <summary>The libclang version, as recorded in every scanned file.</summary>
    public static string LibclangVersion => LibClang.Take(LibClang.clang_getClangVersion());

    /// <summary>Scans <paramref name="abi"/> for <paramref name="bindings"/>; throws <see cref="ScanException"/> when the answer would be untrustworthy.</summary>
    public static ScannedAbi Scan(AbiSpec abi, BindingsSpec bindings)
    {
        foreach (var dir in abi.Include)
        {
            if (!Directory.Exists(dir))
            {
                throw new ScanException($"ABI '{abi.Name}': include directory {dir} does not exist (install {abi.Package})");
            }
        }
        string includes = string.Concat(bindings.Headers.Select(h => $"#include <{h}>\n"));
        var wantedSyscalls = bindings.Syscalls.Select(s => "__NR_" + s.Name).ToHashSet(StringComparer.Ordinal);

        var macros = new List<(string Name, string File)>();
        var structs = new List<ScannedStruct>();
        List<string> inputFiles;
        using (var tu = TranslationUnit.Parse(abi.Triple, abi.Include.ToList(), includes, out var errors))
        {
            if (errors.Count > 0) throw new ScanException($"ABI '{abi.Name}' ({abi.Triple}): the headers do not parse: {errors[0].Text}");
            foreach (var cursor in tu.TopLevel())
            {
                if (cursor.Kind == CursorKind.MacroDefinition) CollectMacro(cursor, abi, bindings, wantedSyscalls, macros);
                else if (cursor.Kind == CursorKind.StructDecl) CollectStruct(cursor, bindings, structs);
            }
            inputFiles = tu.IncludedFiles();
        }

        var values = Evaluate(abi, includes, macros.Select(m => m.Name).ToList(), out int pointerSize);
        var constants = macros
            .Where(m => !m.Name.StartsWith("__NR_", StringComparison.Ordinal) && values.ContainsKey(m.Name))
            .Select(m => new ScannedConstant(m.Name, values[m.Name], m.File, LocationInfo.FileStart(m.File)))
            .ToList();
        var syscalls = bindings.Syscalls
            .Select(s => new ScannedSyscall(s.Name, values.TryGetValue("__NR_" + s.Name, out long n) ? n : null, LocationInfo.FileStart("")))
            .ToList();
        foreach (var wanted in bindings.Structs.Where(w => structs.All(s => s.Name != w.CName)))
        {
            throw new ScanException($"ABI '{abi.Name}': struct {wanted.CName} is not defined by {string.Join(", ", bindings.Headers)}");
        }

        return new ScannedAbi(
            Path.Combine(ScannedAbiFormat.Folder, abi.Name + ".yaml"),
            abi.Name, abi.Triple, KernelVersion(abi, values), LibclangVersion, pointerSize,
            bindings.Headers, abi.Include,
            inputFiles.Select(f => new InputFile(Relative(abi, f), Sha256(f))).OrderBy(i => i.Path, StringComparer.Ordinal).ToEquatableArray(),
            syscalls.ToEquatableArray(),
            structs.OrderBy(s => s.Name, StringComparer.Ordinal).ToEquatableArray(),
            constants.OrderBy(c => c.Name, StringComparer.Ordinal).ToEquatableArray());
    }

    // Object-like macros that a constants rule selects, and the __NR_ numbers of the bound syscalls.
    private static void CollectMacro(CXCursor cursor, AbiSpec abi, BindingsSpec bindings, HashSet<string> wantedSyscalls, List<(string, string)> macros)
    {
        if (LibClang.clang_Cursor_isMacroFunctionLike(cursor) != 0) return;
        var (file, _) = TranslationUnit.Place(cursor);
        if (file.Length == 0 || file == TranslationUnit.SourceName) return; // builtin or ours
        var name = TranslationUnit.Spelling(cursor);
        var relative = Relative(abi, file);
        if (wantedSyscalls.Contains(name) || bindings.Constants.Any(rule => rule.Matches(name, relative)))
        {
            if (!macros.Any(m => m.Item1 == name)) macros.Add((name, relative));
        }
    }

    // The layout clang computes for the target: size, alignment, and each field's offset and size.
    private static void CollectStruct(CXCursor cursor, BindingsSpec bindings, List<ScannedStruct> structs)
    {
        if (LibClang.clang_isCursorDefinition(cursor) == 0) return;
        var name = TranslationUnit.Spelling(cursor);
        if (!bindings.Structs.Any(s => s.CName == name) || structs.Any(s => s.Name == name)) return;
        var type = LibClang.clang_getCursorType(cursor);
        var fields = new List<ScannedField>();
        foreach (var child in TranslationUnit.Children(cursor).Where(c => c.Kind == CursorKind.FieldDecl))
        {
            var fieldType = LibClang.clang_getCursorType(child);
            long offsetBits = LibClang.clang_Cursor_getOffsetOfField(child);
            long size = LibClang.clang_Type_getSizeOf(fieldType);
            var fieldName = TranslationUnit.Spelling(child);
            if (offsetBits < 0 || offsetBits % 8 != 0 || size < 0)
            {
                throw new ScanException($"struct {name}: field {fieldName} has no byte layout (bit-field or incomplete type)");
            }
            fields.Add(new ScannedField(fieldName, LibClang.Take(LibClang.clang_getTypeSpelling(fieldType)), (int)(offsetBits / 8), (int)size));
        }
        structs.Add(new ScannedStruct(name, (int)LibClang.clang_Type_getSizeOf(type), (int)LibClang.clang_Type_getAlignOf(type),
            fields.ToEquatableArray(), LocationInfo.FileStart(name)));
    }

    /// <summary>
    /// Evaluates each macro by declaring a constant initialised with it and asking clang for its value
    /// (clang cannot evaluate a macro cursor itself). Macros that are not integer expressions are dropped.
    /// </summary>
    private static Dictionary<string, long> Evaluate(AbiSpec abi, string includes, List<string> names, out int pointerSize)
    {
        var remaining = new List<string>(names);
        for (int attempt = 0; ; attempt++)
        {
            int firstLine = includes.Count(c => c == '\n') + 2;
            var source = new StringBuilder(includes);
            source.Append("static const unsigned long long ").Append(PointerSizeName).Append(" = sizeof(void *);\n");
            for (int i = 0; i < remaining.Count; i++)
            {
                source.Append("static const __typeof__((").Append(remaining[i]).Append(")) ").Append(ValuePrefix).Append(i)
                      .Append(" = (").Append(remaining[i]).Append(");\n");
            }
            using var tu = TranslationUnit.Parse(abi.Triple, abi.Include.ToList(), source.ToString(), out var errors);
            if (errors.Count > 0)
            {
                var bad = errors.Select(e => (int)e.Line - firstLine).Where(i => i >= 0 && i < remaining.Count).Distinct().ToList();
                if (bad.Count == 0 || attempt > 4)
                {
                    throw new ScanException($"ABI '{abi.Name}': evaluating macros failed: {errors[0].Text}");
                }
                foreach (var i in bad.OrderByDescending(i => i)) remaining.RemoveAt(i);
                continue;
            }
            var values = new Dictionary<string, long>(StringComparer.Ordinal);
            pointerSize = 0;
            foreach (var cursor in tu.TopLevel().Where(c => c.Kind == CursorKind.VarDecl))
            {
                var name = TranslationUnit.Spelling(cursor);
                long? value = TranslationUnit.EvaluateInteger(cursor, out bool overflow);
                if (name == PointerSizeName) pointerSize = (int)(value ?? 0);
                else if (name.StartsWith(ValuePrefix, StringComparison.Ordinal) && int.TryParse(name.AsSpan(ValuePrefix.Length), out int i) && i < remaining.Count)
                {
                    if (overflow) throw new ScanException($"ABI '{abi.Name}': {remaining[i]} does not fit 64 signed bits");
                    if (value is long v) values[remaining[i]] = v;
                }
            }
            if (pointerSize <= 0) throw new ScanException($"ABI '{abi.Name}': sizeof(void *) could not be evaluated");
            return values;
        }
    }

    // "6.1.187" from linux/version.h, which every uapi header set has.
    private static string KernelVersion(AbiSpec abi, Dictionary<string, long> values)
    {
        if (values.TryGetValue("LINUX_VERSION_MAJOR", out long major) && values.TryGetValue("LINUX_VERSION_PATCHLEVEL", out long patch)
            && values.TryGetValue("LINUX_VERSION_SUBLEVEL", out long sub))
        {
            return $"{major}.{patch}.{sub}";
        }
        if (values.TryGetValue("LINUX_VERSION_CODE", out long code)) return $"{code >> 16}.{(code >> 8) & 0xff}.{code & 0xff}";
        throw new ScanException($"ABI '{abi.Name}': no kernel version (list linux/version.h in bindings.headers and LINUX_VERSION_ in bindings.constants)");
    }

    // A header's path below the include directory it was found in, the same on every machine.
    private static string Relative(AbiSpec abi, string file)
    {
        foreach (var dir in abi.Include)
        {
            var root = dir.TrimEnd('/') + "/";
            if (file.StartsWith(root, StringComparison.Ordinal)) return file.Substring(root.Length);
        }
        return file;
    }

    private static string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));
}
