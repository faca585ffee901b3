using System;
using System.Collections.Generic;
using System.Globalization;

namespace KexecGen.Config;

/// <summary>
/// A fast reader for headers files exactly as <see cref="ScannedAbiFormat.Write"/> writes them, line by line without
/// a YAML parser. It answers only when writing its result gives back the very same text, which proves it read what
/// the YAML reader would have; any other file (hand-edited, broken, from another writer) returns null and takes the
/// YAML reader, with its located diagnostics. The scanner's files are always canonical, so builds take this path.
/// </summary>
internal static class CanonicalScannedAbiReader
{
    public static ScannedAbi? TryRead(string path, string text)
    {
        var lines = new LineCursor(text);
        var comment = lines.Next();
        if (comment is null || !comment.StartsWith("# ", StringComparison.Ordinal)) return null;
        if (Quoted(lines.Value("abi: ")) is not { } abi
            || Quoted(lines.Value("triple: ")) is not { } triple
            || Quoted(lines.Value("kernel: ")) is not { } kernel
            || Quoted(lines.Value("compiler: ")) is not { } compiler
            || !Integer(lines.Value("pointer_size: "), out long pointerSize) || pointerSize > int.MaxValue
            || QuotedList(lines.Value("scanned: ")) is not { } scanned
            || QuotedList(lines.Value("include: ")) is not { } include
            || lines.Next() != "inputs:")
        {
            return null;
        }

        var inputs = new List<InputFile>();
        while (lines.Peek()?.StartsWith("  - { path: ", StringComparison.Ordinal) == true)
        {
            var fields = FlowMap(lines.Next()!, "  - ", "path", "sha256");
            if (fields is null || Quoted(fields[0]) is not { } inputPath || !IsHex(fields[1])) return null;
            inputs.Add(new InputFile(inputPath, fields[1]));
        }

        if (lines.Next() != "syscalls:") return null;
        var syscalls = new List<ScannedSyscall>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (lines.Peek() is { } line && line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("  -", StringComparison.Ordinal))
        {
            lines.Next();
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0) return null;
            var name = line.Substring(2, colon - 2);
            var value = line.Substring(colon + 2);
            if (!IsName(name) || !seen.Add(name)) return null; // a duplicate key is the YAML reader's error to report
            long? number = null;
            if (value != "null")
            {
                if (!Integer(value, out long n)) return null;
                number = n;
            }
            syscalls.Add(new ScannedSyscall(name, number, new LocationInfo(path, lines.LineNumber, colon + 3)));
        }

        if (lines.Next() != "structs:") return null;
        var structs = new List<ScannedStruct>();
        while (lines.Peek()?.StartsWith("  - name: ", StringComparison.Ordinal) == true)
        {
            var name = lines.Next()!.Substring("  - name: ".Length);
            int at = lines.LineNumber;
            if (!IsName(name) || !Integer(lines.Value("    size: "), out long size) || !Integer(lines.Value("    align: "), out long align)
                || size > int.MaxValue || align > int.MaxValue || lines.Next() != "    fields:")
            {
                return null;
            }
            var fields = new List<ScannedField>();
            while (lines.Peek()?.StartsWith("      - { name: ", StringComparison.Ordinal) == true)
            {
                var f = FlowMap(lines.Next()!, "      - ", "name", "type", "offset", "size");
                if (f is null || !IsName(f[0]) || Quoted(f[1]) is not { } type
                    || !Integer(f[2], out long offset) || !Integer(f[3], out long fieldSize) || offset > int.MaxValue || fieldSize > int.MaxValue)
                {
                    return null;
                }
                fields.Add(new ScannedField(f[0], type, (int)offset, (int)fieldSize));
            }
            structs.Add(new ScannedStruct(name, (int)size, (int)align, fields.ToEquatableArray(), new LocationInfo(path, at, 5)));
        }

        if (lines.Next() != "constants:") return null;
        var constants = new List<ScannedConstant>();
        while (lines.Peek()?.StartsWith("  - { name: ", StringComparison.Ordinal) == true)
        {
            var c = FlowMap(lines.Next()!, "  - ", "name", "value", "file");
            if (c is null || !IsName(c[0]) || !Integer(c[1], out long value) || Quoted(c[2]) is not { } file) return null;
            constants.Add(new ScannedConstant(c[0], value, file, new LocationInfo(path, lines.LineNumber, 5)));
        }
        if (!lines.AtEnd) return null;

        var result = new ScannedAbi(path, abi, triple, kernel, compiler, (int)pointerSize, scanned.ToEquatableArray(), include.ToEquatableArray(),
            inputs.ToEquatableArray(), syscalls.ToEquatableArray(), structs.ToEquatableArray(), constants.ToEquatableArray());
        // The proof: the canonical writer gives back these exact bytes (order, spacing, number forms, the comment).
        return string.Equals(ScannedAbiFormat.Write(result), text, StringComparison.Ordinal) ? result : null;
    }

    // "{ k1: v1, k2: v2 }" after the prefix, with exactly these keys in this order; values may not hold ", " or ": ".
    private static string[]? FlowMap(string line, string prefix, params string[] keys)
    {
        if (!line.StartsWith(prefix + "{ ", StringComparison.Ordinal) || !line.EndsWith(" }", StringComparison.Ordinal)) return null;
        var body = line.Substring(prefix.Length + 2, line.Length - prefix.Length - 4);
        var parts = body.Split(new[] { ", " }, StringSplitOptions.None);
        if (parts.Length != keys.Length) return null;
        var values = new string[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            if (!parts[i].StartsWith(keys[i] + ": ", StringComparison.Ordinal)) return null;
            values[i] = parts[i].Substring(keys[i].Length + 2);
        }
        return values;
    }

    // A double-quoted scalar that uses no escapes but \\ and \" and holds no control character: the only kind the
    // writer makes, and one the YAML reader reads the same way.
    private static string? Quoted(string? value)
    {
        if (value is null || value.Length < 2 || value[0] != '"' || value[value.Length - 1] != '"') return null;
        var s = new System.Text.StringBuilder(value.Length);
        for (int i = 1; i < value.Length - 1; i++)
        {
            char c = value[i];
            if (c < ' ' || c == '\x7f') return null;
            if (c == '"') return null;
            if (c == '\\')
            {
                if (i + 1 >= value.Length - 1 || value[i + 1] is not ('\\' or '"')) return null;
                c = value[++i];
            }
            s.Append(c);
        }
        return s.ToString();
    }

    private static List<string>? QuotedList(string? value)
    {
        if (value is null || value.Length < 2 || value[0] != '[' || value[value.Length - 1] != ']') return null;
        var list = new List<string>();
        if (value.Length == 2) return list;
        foreach (var item in value.Substring(1, value.Length - 2).Split(new[] { ", " }, StringSplitOptions.None))
        {
            if (Quoted(item) is not { } s) return null;
            list.Add(s);
        }
        return list;
    }

    // Plain names: identifiers, but not the words YAML reads as null.
    private static bool IsName(string name) => CSharpNames.IsIdentifier(name) && name != "null";

    private static bool IsHex(string text)
    {
        if (text.Length == 0) return false;
        foreach (char c in text)
        {
            if (!(c is >= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        }
        return true;
    }

    private static bool Integer(string? text, out long value)
    {
        value = 0;
        return text is not null && text.Length > 0 && (char.IsDigit(text[0]) || text[0] == '-')
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    // The text's lines, '\n'-separated as the writer makes them; LineNumber is the 1-based number of the last one taken.
    private sealed class LineCursor(string text)
    {
        private int _at;
        private string? _peeked; // the next line, once Peek has cut it out

        public int LineNumber { get; private set; }

        public bool AtEnd => _at >= text.Length;

        public string? Peek()
        {
            if (_peeked is not null || AtEnd) return _peeked;
            int end = text.IndexOf('\n', _at);
            return _peeked = end < 0 ? null : text.Substring(_at, end - _at); // the writer ends every line with \n
        }

        public string? Next()
        {
            var line = Peek();
            if (line is null) return null;
            _peeked = null;
            _at += line.Length + 1;
            LineNumber++;
            return line;
        }

        // The rest of the next line after 'key', or null if it does not start with it.
        public string? Value(string key)
        {
            var line = Next();
            return line is not null && line.StartsWith(key, StringComparison.Ordinal) ? line.Substring(key.Length) : null;
        }
    }
}
