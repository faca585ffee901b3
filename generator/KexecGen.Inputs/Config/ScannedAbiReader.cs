using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace KexecGen.Config;

/// <summary>
/// The one reader of headers/&lt;abi&gt;.yaml. The files are machine-written, so it reads them line by line in the form
/// <see cref="ScannedAbiFormat.Write"/> gives, and accepts a file only when writing what it read gives back the same
/// text. Any other file (hand-edited, broken, from another writer) is refused at the first line and column that
/// differs from what the scanner would write, with "re-scan" as the remedy. Windows line ends are read as '\n'. A file
/// or a line longer than <see cref="InputBounds"/> allows is refused (KXG019) before it is read.
/// </summary>
public static class ScannedAbiReader
{
    /// <summary>Reads <paramref name="text"/>, the content of <paramref name="path"/>.</summary>
    /// <param name="path">The file's path, for diagnostics.</param>
    /// <param name="text">Its content.</param>
    /// <param name="readFields">Given the file's ABI, whether to read its structs' fields; null reads every file's. A file
    /// read without them has <see cref="ScannedAbi.FieldsRead"/> false: its field lines are skipped, not parsed or proven.</param>
    public static Parsed<ScannedAbi> Read(string path, string text, Func<string, bool>? readFields = null)
    {
        // The bounds first: a file far larger than any scan writes is refused before it is copied or compared.
        if (InputBounds.CheckText(path, text) is { } tooLarge) return new Parsed<ScannedAbi>(null, new[] { tooLarge }.ToEquatableArray());
        text = text.Replace("\r\n", "\n");
        var lines = new LineCursor(text);
        var read = ReadLines(path, text, lines, readFields);
        if (read is null) return Refused(path, lines.LineNumber, lines.FailedColumn, lines.Expected);

        // The proof: the writer gives back these exact bytes (order, spacing, number forms, the comment).
        int at = ScannedAbiFormat.FirstDifference(read, text);
        if (at < 0) return new Parsed<ScannedAbi>(read, EquatableArray<DiagnosticInfo>.Empty);
        // Saying what the scanner writes there takes the whole file; a refusal is rare, so read it again whole.
        if (!read.FieldsRead) return Read(path, text);
        var written = ScannedAbiFormat.Write(read);
        int lineStart = at == 0 ? 0 : text.LastIndexOf('\n', at - 1) + 1;
        int line = 1 + text.Substring(0, lineStart).Count(c => c == '\n');
        int end = written.IndexOf('\n', Math.Min(lineStart, written.Length));
        var expected = lineStart >= written.Length ? "the end of the file" : "'" + written.Substring(lineStart, (end < 0 ? written.Length : end) - lineStart) + "'";
        return Refused(path, line, at - lineStart + 1, expected);
    }

    private static Parsed<ScannedAbi> Refused(string path, int line, int column, string? expected)
    {
        var problem = $"{ScannedAbiFormat.Folder}/{System.IO.Path.GetFileName(path)} is not as `kexecgen-scan scan` writes it here"
            + (expected is null ? "" : $" (the scanner writes {expected})") + "; re-scan it: dotnet run --project src/KexecGen.Scanner -- scan";
        var at = new LocationInfo(path, Math.Max(line, 1), Math.Max(column, 1));
        return new Parsed<ScannedAbi>(null, new[] { Diagnose.Schema(at, problem) }.ToEquatableArray());
    }

    // Each field in the writer's order; null when a line is not in the writer's form (the cursor knows where).
    private static ScannedAbi? ReadLines(string path, string text, LineCursor lines, Func<string, bool>? readFields)
    {
        if (lines.Next() != ScannedAbiFormat.Comment) return lines.Fail(1, "'" + ScannedAbiFormat.Comment + "'");
        if (Quoted(lines.Value("abi: ")) is not { } abi) return lines.Fail("abi: \"…\"");
        bool fieldsRead = readFields?.Invoke(abi) ?? true;
        if (Quoted(lines.Value("triple: ")) is not { } triple) return lines.Fail("triple: \"…\"");
        if (Quoted(lines.Value("kernel: ")) is not { } kernel) return lines.Fail("kernel: \"…\"");
        if (Quoted(lines.Value("compiler: ")) is not { } compiler) return lines.Fail("compiler: \"…\"");
        if (!Integer(lines.Value("pointer_size: "), out long pointerSize) || pointerSize > int.MaxValue) return lines.Fail("pointer_size: a number");
        var byteOrder = lines.Value("byte_order: ");
        if (byteOrder is not ("little" or "big")) return lines.Fail("byte_order: little or big");
        if (QuotedList(lines.Value("scanned: ")) is not { } scanned) return lines.Fail("scanned: [\"…\", …]");
        if (QuotedList(lines.Value("include: ")) is not { } include) return lines.Fail("include: [\"…\", …]");
        if (lines.Next() != "inputs:") return lines.Fail(1, "'inputs:'");

        var inputs = new List<InputFile>();
        while (lines.NextStartsWith("  - { path: "))
        {
            lines.TakeRange(out int start, out int end);
            var input = new FlowCursor(text, start, end, "  - ");
            if (input.TakeQuoted("path") is not { } inputPath || input.Take("sha256") is not { } sha256 || !IsHex(sha256) || !input.AtEnd) return lines.Fail(5, "{ path: \"…\", sha256: … }");
            inputs.Add(new InputFile(inputPath, sha256));
        }

        if (lines.Next() != "syscalls:") return lines.Fail(1, "'syscalls:'");
        var syscalls = new List<ScannedSyscall>();
        while (lines.Peek() is { } line && line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("  -", StringComparison.Ordinal))
        {
            lines.Next();
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 || !CSharpNames.IsIdentifier(line.Substring(2, colon - 2))) return lines.Fail(3, "name: number");
            var value = line.Substring(colon + 2);
            long? number = null;
            if (value != "null")
            {
                if (!Integer(value, out long n)) return lines.Fail(colon + 3, "a number or null");
                number = n;
            }
            syscalls.Add(new ScannedSyscall(StringPool.Shared(line.Substring(2, colon - 2)), number, new LocationInfo(path, lines.LineNumber, colon + 3)));
        }

        if (lines.Next() != "structs:") return lines.Fail(1, "'structs:'");
        var structs = new List<ScannedStruct>();
        var fields = new List<ScannedField>(); // one list for every struct's fields, copied out at its end
        while (lines.Peek()?.StartsWith("  - name: ", StringComparison.Ordinal) == true)
        {
            var name = lines.Next()!.Substring("  - name: ".Length);
            int at = lines.LineNumber;
            if (!IsRecordName(name)) return lines.Fail(11, "a struct name");
            var kind = lines.Value("    kind: ");
            if (kind is not (ScannedStruct.Struct or ScannedStruct.Union)) return lines.Fail("kind: struct or union");
            if (!Integer(lines.Value("    size: "), out long size) || size > int.MaxValue) return lines.Fail("size: a number");
            // A C alignment is a power of two (C# Pack takes no other): anything else was not written by the scanner.
            if (!Integer(lines.Value("    align: "), out long align) || align > 128 || align < 1 || (align & (align - 1)) != 0) return lines.Fail("align: a power of two up to 128");
            if (lines.Next() != "    fields:") return lines.Fail(1, "'    fields:'");
            fields.Clear();
            while (lines.NextStartsWith("      - { name: "))
            {
                lines.TakeRange(out int start, out int end);
                if (!fieldsRead) continue;
                if (ReadField(new FlowCursor(text, start, end, "      - ")) is not { } field) return lines.Fail(9, "{ name: …, type: \"…\", offset: …, size: …, kind: …[, count: …][, bits: …, bit: …] }");
                fields.Add(field);
            }
            structs.Add(new ScannedStruct(StringPool.Shared(name), (int)size, (int)align, fields.ToEquatableArray(), new LocationInfo(path, at, 5), StringPool.Shared(kind)));
        }

        if (lines.Next() != "constants:") return lines.Fail(1, "'constants:'");
        var constants = new List<ScannedConstant>();
        while (lines.NextStartsWith("  - { name: "))
        {
            lines.TakeRange(out int start, out int end);
            var c = new FlowCursor(text, start, end, "  - ");
            if (c.TakeName("name") is not { } name || !c.TakeInteger("value", out long value) || c.TakeQuoted("file") is not { } file || !c.AtEnd) return lines.Fail(5, "{ name: …, value: …, file: \"…\" }");
            constants.Add(new ScannedConstant(name, value, file, new LocationInfo(path, lines.LineNumber, 5)));
        }

        if (lines.Next() != "prototypes:") return lines.Fail(1, "'prototypes:'");
        var prototypes = new List<ScannedPrototype>();
        while (lines.Peek()?.StartsWith("  - name: ", StringComparison.Ordinal) == true)
        {
            var name = lines.Next()!.Substring("  - name: ".Length);
            int at = lines.LineNumber;
            if (!CSharpNames.IsIdentifier(name)) return lines.Fail(11, "a syscall name");
            if (Quoted(lines.Value("    source: ")) is not { } source) return lines.Fail("source: \"…\"");
            string? entry = null, entrySource = "";
            if (lines.Peek()?.StartsWith("    entry: ", StringComparison.Ordinal) == true)
            {
                if ((entry = Quoted(lines.Value("    entry: "))) is null) return lines.Fail("entry: \"…\"");
                if ((entrySource = Quoted(lines.Value("    entry_source: "))) is null) return lines.Fail("entry_source: \"…\"");
            }
            if (ReadArgs(lines, "args") is not { } args) return null;
            var entryArgs = new List<ScannedArg>();
            if (lines.Peek() == "    entry_args:" && (entryArgs = ReadArgs(lines, "entry_args")) is null) return null;
            prototypes.Add(new ScannedPrototype(name, source, args.ToEquatableArray(), new LocationInfo(path, at, 5), entry, entrySource!, entryArgs!.ToEquatableArray()));
        }
        if (!lines.AtEnd)
        {
            lines.Next();
            return lines.Fail(1, "the end of the file");
        }
        return new ScannedAbi(path, abi, triple, kernel, compiler, (int)pointerSize, scanned.ToEquatableArray(), include.ToEquatableArray(),
            inputs.ToEquatableArray(), syscalls.ToEquatableArray(), structs.ToEquatableArray(), constants.ToEquatableArray(), byteOrder, prototypes.ToEquatableArray(), fieldsRead);
    }

    // "    key: []", or "    key:" and its argument lines; null after a failure the cursor records.
    private static List<ScannedArg>? ReadArgs(LineCursor lines, string key)
    {
        var args = new List<ScannedArg>();
        var line = lines.Next();
        if (line == $"    {key}: []") return args;
        if (line != $"    {key}:")
        {
            lines.Fail(1, $"'    {key}:'");
            return null;
        }
        while (lines.NextStartsWith("      - { name: "))
        {
            lines.TakeRange(out int start, out int end);
            var a = new FlowCursor(lines.Text, start, end, "      - ");
            if (a.TakeName("name") is not { } name || a.TakeQuoted("type") is not { } type || !a.TakeInteger("size", out long size) || size is < 0 or > int.MaxValue
                || a.TakeKnown("kind", ArgKinds) is not { } kind || !a.AtEnd)
            {
                lines.Fail(9, "{ name: …, type: \"…\", size: …, kind: signed|unsigned|pointer }");
                return null;
            }
            args.Add(new ScannedArg(name, type, (int)size, kind));
        }
        if (args.Count == 0)
        {
            lines.Fail(1, $"'    {key}: []' or the arguments");
            return null;
        }
        return args;
    }

    // A flow map's entries ("{ k1: v1, k2: v2 }" after a prefix), key by key, read where they stand in the text; values
    // may not hold ", ".
    private struct FlowCursor
    {
        private readonly string _text;
        private readonly int _end; // where " }" starts; -1 when the line is no flow map
        private int _at;

        // The line from 'start' to 'end' (its '\n' or the text's end).
        public FlowCursor(string text, int start, int end, string prefix)
        {
            _text = text;
            bool open = end - start >= prefix.Length + 4 && string.CompareOrdinal(text, start, prefix, 0, prefix.Length) == 0
                && text[start + prefix.Length] == '{' && text[start + prefix.Length + 1] == ' ' && text[end - 2] == ' ' && text[end - 1] == '}';
            _end = open ? end - 2 : -1;
            _at = start + prefix.Length + 2;
        }

        public bool AtEnd => _end >= 0 && _at == _end;

        // The next entry's value when its key is 'key'; null (and the cursor unmoved) otherwise.
        public string? Take(string key) => Value(key, out int start, out int length) ? _text.Substring(start, length) : null;

        // The next entry's value, a name, as the pooled string.
        public string? TakeName(string key) =>
            Value(key, out int start, out int length) && CSharpNames.IsIdentifier(_text, start, length) ? StringPool.Shared(_text, start, length) : null;

        // The next entry's value, one of 'known', as that instance.
        public string? TakeKnown(string key, string[] known)
        {
            if (!Value(key, out int start, out int length)) return null;
            foreach (var k in known)
            {
                if (k.Length == length && string.CompareOrdinal(_text, start, k, 0, length) == 0) return k;
            }
            return null;
        }

        // The next entry's value, a double-quoted scalar, unquoted and pooled.
        public string? TakeQuoted(string key)
        {
            if (!Value(key, out int start, out int length)) return null;
            if (length < 2 || _text[start] != '"' || _text[start + length - 1] != '"') return null;
            for (int i = start + 1; i < start + length - 1; i++)
            {
                char c = _text[i];
                if (c == '\\') return Quoted(_text.Substring(start, length)) is { } unescaped ? StringPool.Shared(unescaped) : null;
                if (c < ' ' || c == '\x7f' || c == '"') return null;
            }
            return StringPool.Shared(_text, start + 1, length - 2);
        }

        // The next entry's value, a decimal integer.
        public bool TakeInteger(string key, out long value)
        {
            value = 0;
            return Value(key, out int start, out int length) && Integer(_text, start, length, out value);
        }

        private bool Value(string key, out int start, out int length)
        {
            start = length = 0;
            if (_end < 0 || _at >= _end) return false;
            int keyAt = _at;
            if (keyAt + key.Length + 2 > _end || string.CompareOrdinal(_text, keyAt, key, 0, key.Length) != 0
                || _text[keyAt + key.Length] != ':' || _text[keyAt + key.Length + 1] != ' ')
            {
                return false;
            }
            start = keyAt + key.Length + 2;
            int comma = _text.IndexOf(", ", start, _end - start, StringComparison.Ordinal);
            length = (comma < 0 ? _end : comma) - start;
            _at = comma < 0 ? _end : comma + 2;
            return true;
        }
    }

    // A double-quoted scalar that uses no escapes but \\ and \" and holds no control character: the only kind the writer makes.
    private static string? Quoted(string? value)
    {
        if (value is null || value.Length < 2 || value[0] != '"' || value[value.Length - 1] != '"') return null;
        System.Text.StringBuilder? s = null; // only for a value with escapes
        for (int i = 1; i < value.Length - 1; i++)
        {
            char c = value[i];
            if (c < ' ' || c == '\x7f' || c == '"') return null;
            if (c == '\\')
            {
                if (i + 1 >= value.Length - 1 || value[i + 1] is not ('\\' or '"')) return null;
                s ??= new System.Text.StringBuilder(value, 1, i - 1, value.Length);
                c = value[++i];
            }
            s?.Append(c);
        }
        return s?.ToString() ?? value.Substring(1, value.Length - 2);
    }

    // "statx", or "bpf_attr.batch" for a record named for the field it is declared in.
    private static bool IsRecordName(string name) => name.Split('.').All(CSharpNames.IsIdentifier);

    private static readonly string[] ArgKinds = { ScannedArg.Signed, ScannedArg.Unsigned, ScannedArg.Pointer };

    private static readonly string[] FieldKinds = { ScannedArg.Signed, ScannedArg.Unsigned, ScannedArg.Pointer, ScannedField.Float, ScannedField.Record };

    // One field line; the optional keys come in the writer's order, which the round trip holds it to.
    private static ScannedField? ReadField(FlowCursor map)
    {
        if (map.TakeName("name") is not { } name || map.TakeQuoted("type") is not { } type
            || !map.TakeInteger("offset", out long offset) || !map.TakeInteger("size", out long size)
            || offset is < 0 or > int.MaxValue || size is < 0 or > int.MaxValue
            || map.TakeKnown("kind", FieldKinds) is not { } kind)
        {
            return null;
        }
        int? count = null;
        if (map.TakeInteger("count", out long c))
        {
            if (c is < 0 or > int.MaxValue || type.IndexOf('[') < 0) return null;
            count = (int)c;
        }
        long bits = 0, bit = 0;
        if (map.TakeInteger("bits", out bits) && (!map.TakeInteger("bit", out bit) || bits is < 1 or > 64 || bit is < 0 or > 63)) return null;
        if (!map.AtEnd) return null;
        if ((kind == ScannedField.Record) != (type.StartsWith("struct ", StringComparison.Ordinal) || type.StartsWith("union ", StringComparison.Ordinal))) return null;
        return new ScannedField(name, type, (int)offset, (int)size, kind, count, (int)bits, (int)bit);
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
        return text is not null && Integer(text, 0, text.Length, out value);
    }

    // A decimal integer, '-' before it if negative, as long.TryParse reads it; the round trip refuses other spellings.
    private static bool Integer(string text, int start, int length, out long value)
    {
        value = 0;
        if (length == 0 || !(char.IsDigit(text[start]) || text[start] == '-')) return false;
        bool negative = text[start] == '-';
        int digits = negative ? length - 1 : length;
        if (digits is 0 or > 18) return long.TryParse(text.Substring(start, length), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        long n = 0;
        for (int i = start + (negative ? 1 : 0); i < start + length; i++)
        {
            char c = text[i];
            if (c is < '0' or > '9') return false;
            n = n * 10 + (c - '0');
        }
        value = negative ? -n : n;
        return true;
    }

    // The text's lines, '\n'-separated as the writer makes them; LineNumber is the 1-based number of the last one taken,
    // and after a failure FailedColumn and Expected say where in it and what the writer would have put.
    private sealed class LineCursor(string text)
    {
        public string Text => text;

        private int _at;
        private string? _peeked; // the next line, once Peek has cut it out
        private int _valueColumn = 1;

        public int LineNumber { get; private set; }

        public int FailedColumn { get; private set; } = 1;

        public string? Expected { get; private set; }

        public bool AtEnd => _at >= text.Length;

        // Whether the next line starts with 'prefix', read where it stands.
        public bool NextStartsWith(string prefix)
        {
            if (AtEnd) return false;
            int end = LineEnd();
            return end - _at >= prefix.Length && string.CompareOrdinal(text, _at, prefix, 0, prefix.Length) == 0;
        }

        // Takes the next line as its place in the text: from 'start' to 'end' (its '\n' or the text's end).
        public void TakeRange(out int start, out int end)
        {
            start = _at;
            end = LineEnd();
            _peeked = null;
            _at = end + 1;
            LineNumber++;
        }

        private int LineEnd()
        {
            int end = text.IndexOf('\n', _at);
            return end < 0 ? text.Length : end;
        }

        public string? Peek()
        {
            if (_peeked is not null || AtEnd) return _peeked;
            int end = text.IndexOf('\n', _at);
            return _peeked = end < 0 ? text.Substring(_at) : text.Substring(_at, end - _at);
        }

        public string? Next()
        {
            var line = Peek();
            if (line is null)
            {
                LineNumber++; // the failure, if any, is past the last line
                return null;
            }
            _peeked = null;
            _at += line.Length + 1;
            LineNumber++;
            return line;
        }

        // The rest of the next line after 'key', or null if it does not start with it.
        public string? Value(string key)
        {
            var line = Next();
            bool keyed = line is not null && line.StartsWith(key, StringComparison.Ordinal);
            _valueColumn = keyed ? key.Length + 1 : 1;
            return keyed ? line!.Substring(key.Length) : null;
        }

        // A failure in the value of the last keyed line (or at its start when the key itself is wrong).
        public ScannedAbi? Fail(string expected) => Fail(_valueColumn, expected);

        public ScannedAbi? Fail(int column, string expected)
        {
            FailedColumn = column;
            Expected = expected;
            return null;
        }
    }
}
