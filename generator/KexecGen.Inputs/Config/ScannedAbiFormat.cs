using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace KexecGen.Config;

/// <summary>Writes the headers/&lt;abi&gt;.yaml format, deterministically (sorted, invariant); <see cref="ScannedAbiReader"/> reads it.</summary>
public static class ScannedAbiFormat
{
    /// <summary>The folder of the scanned files, relative to arches.yaml.</summary>
    public const string Folder = "headers";

    /// <summary>Whether <paramref name="path"/> names a scanned headers file.</summary>
    public static bool IsScannedFile(string path) =>
        path.EndsWith(".yaml", System.StringComparison.Ordinal)
        && System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(path)) == Folder;

    /// <summary>The first line of every file: the same in each, so that no line depends on a later one.</summary>
    public const string Comment = "# Written by `kexecgen-scan scan` from arches.yaml and the kernel headers. DO NOT EDIT.";

    /// <summary>The line of the <paramref name="index"/>-th input in a written file: the inputs follow the ten lines before them.</summary>
    public static int InputLine(int index) => 11 + index;

    /// <summary>The text of <paramref name="abi"/>'s file; the same scan always gives the same bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="abi"/> was read without its fields (<see cref="ScannedAbi.FieldsRead"/>).</exception>
    public static string Write(ScannedAbi abi)
    {
        if (!abi.FieldsRead) throw new ArgumentException($"{abi.Abi}'s headers file was read without its fields: it cannot be written again", nameof(abi));
        var text = new TextSink();
        WriteTo(abi, text);
        return text.ToString();
    }

    /// <summary>
    /// Where <paramref name="text"/> first differs from what <see cref="Write"/> gives for <paramref name="abi"/>, or -1
    /// where it is exactly that text: the reader's round-trip proof, made without building the text a second time.
    /// Where the file was read without its fields, its field lines are passed over as the reader passed them over.
    /// </summary>
    public static int FirstDifference(ScannedAbi abi, string text)
    {
        var compare = new CompareSink(text);
        WriteTo(abi, compare);
        return compare.FirstDifference;
    }

    private static void WriteTo(ScannedAbi abi, Sink s)
    {
        s.Append(Comment).Append('\n');
        s.Append("abi: ").Quoted(abi.Abi).Append('\n');
        s.Append("triple: ").Quoted(abi.Triple).Append('\n');
        s.Append("kernel: ").Quoted(abi.Kernel).Append('\n');
        s.Append("compiler: ").Quoted(abi.Compiler).Append('\n');
        s.Append("pointer_size: ").Number(abi.PointerSize).Append('\n');
        s.Append("byte_order: ").Append(abi.ByteOrder).Append('\n');
        QuotedList(s.Append("scanned: "), abi.Scanned).Append('\n');
        QuotedList(s.Append("include: "), abi.Include).Append('\n');
        s.Append("inputs:\n");
        foreach (var input in Sorted(abi.Inputs, i => i.Path))
        {
            s.Append("  - { path: ").Quoted(input.Path).Append(", sha256: ").Append(input.Sha256).Append(" }\n");
        }
        s.Append("syscalls:\n");
        foreach (var call in Sorted(abi.Syscalls, c => c.Name))
        {
            s.Append("  ").Append(call.Name).Append(": ");
            (call.Number is long n ? s.Number(n) : s.Append("null")).Append('\n');
        }
        s.Append("structs:\n");
        foreach (var st in Sorted(abi.Structs, x => x.Name))
        {
            s.Append("  - name: ").Append(st.Name).Append('\n');
            s.Append("    kind: ").Append(st.Kind).Append('\n');
            s.Append("    size: ").Number(st.Size).Append('\n');
            s.Append("    align: ").Number(st.Align).Append('\n');
            s.Append("    fields:\n");
            if (!abi.FieldsRead) s.SkipLines(FieldLine);
            foreach (var f in st.Fields) // declaration order is meaningful
            {
                s.Append(FieldLine).Append(f.Name).Append(", type: ").Quoted(f.Type)
                 .Append(", offset: ").Number(f.Offset).Append(", size: ").Number(f.Size).Append(", kind: ").Append(f.Kind);
                if (f.Count is int count) s.Append(", count: ").Number(count);
                if (f.Bits > 0) s.Append(", bits: ").Number(f.Bits).Append(", bit: ").Number(f.Bit);
                s.Append(" }\n");
            }
        }
        s.Append("constants:\n");
        foreach (var c in Sorted(abi.Constants, x => x.Name))
        {
            s.Append("  - { name: ").Append(c.Name).Append(", value: ").Number(c.Value).Append(", file: ").Quoted(c.File).Append(" }\n");
        }
        s.Append("prototypes:\n");
        foreach (var p in Sorted(abi.Prototypes, x => x.Name))
        {
            s.Append("  - name: ").Append(p.Name).Append('\n');
            s.Append("    source: ").Quoted(p.Source).Append('\n');
            if (p.Entry is not null)
            {
                s.Append("    entry: ").Quoted(p.Entry).Append('\n');
                s.Append("    entry_source: ").Quoted(p.EntrySource).Append('\n');
            }
            Args(s, "args", p.Args);
            if (p.EntryArgs.Count > 0) Args(s, "entry_args", p.EntryArgs);
        }
    }

    // How each field's line starts.
    private const string FieldLine = "      - { name: ";

    // "    key: []", or "    key:" and one line per argument, in declaration order (the call's order).
    private static void Args(Sink s, string key, EquatableArray<ScannedArg> args)
    {
        if (args.Count == 0)
        {
            s.Append("    ").Append(key).Append(": []\n");
            return;
        }
        s.Append("    ").Append(key).Append(":\n");
        foreach (var a in args)
        {
            s.Append("      - { name: ").Append(a.Name).Append(", type: ").Quoted(a.Type)
             .Append(", size: ").Number(a.Size).Append(", kind: ").Append(a.Kind).Append(" }\n");
        }
    }

    private static Sink QuotedList(Sink s, EquatableArray<string> items)
    {
        s.Append('[');
        for (int i = 0; i < items.Count; i++) (i == 0 ? s : s.Append(", ")).Quoted(items[i]);
        return s.Append(']');
    }

    // The items by name; a scanned file's lists are sorted already, and checking that is cheaper than sorting.
    private static IEnumerable<T> Sorted<T>(EquatableArray<T> items, System.Func<T, string> name) where T : System.IEquatable<T>
    {
        for (int i = 1; i < items.Count; i++)
        {
            if (string.CompareOrdinal(name(items[i - 1]), name(items[i])) > 0) return items.OrderBy(name, System.StringComparer.Ordinal);
        }
        return items;
    }

    // Where the text goes: built into a string, or compared with a given one as it is written.
    private abstract class Sink
    {
        public abstract Sink Append(string text);

        public abstract Sink Append(char c);

        public virtual Sink Number(long value) => Append(value.ToString(CultureInfo.InvariantCulture));

        // Passes over the lines that start with 'prefix' (what the reader did not read).
        public virtual void SkipLines(string prefix) => throw new InvalidOperationException("only a comparison passes lines over");

        // A double-quoted scalar: \\ and \" are its only escapes.
        public Sink Quoted(string text)
        {
            Append('"');
            int from = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] is not ('\\' or '"')) continue;
                Append(text.Substring(from, i - from)).Append('\\').Append(text[i]);
                from = i + 1;
            }
            return Append(from == 0 ? text : text.Substring(from)).Append('"');
        }
    }

    private sealed class TextSink : Sink
    {
        private readonly StringBuilder _text = new();

        public override Sink Append(string text)
        {
            _text.Append(text);
            return this;
        }

        public override Sink Append(char c)
        {
            _text.Append(c);
            return this;
        }

        public override string ToString() => _text.ToString();
    }

    private sealed class CompareSink(string expected) : Sink
    {
        private int _at;

        /// <summary>The first index where the written text and the expected one differ, or -1.</summary>
        public int FirstDifference => _mismatch >= 0 ? _mismatch : _at == expected.Length ? -1 : _at;

        private int _mismatch = -1;

        public override Sink Append(string text)
        {
            if (_mismatch >= 0) return this;
            if (_at + text.Length <= expected.Length && string.CompareOrdinal(expected, _at, text, 0, text.Length) == 0)
            {
                _at += text.Length;
                return this;
            }
            int i = 0;
            while (i < text.Length && _at + i < expected.Length && expected[_at + i] == text[i]) i++;
            _mismatch = _at + i;
            return this;
        }

        public override Sink Append(char c)
        {
            if (_mismatch >= 0) return this;
            if (_at < expected.Length && expected[_at] == c) _at++;
            else _mismatch = _at;
            return this;
        }

        public override void SkipLines(string prefix)
        {
            while (_mismatch < 0 && _at + prefix.Length <= expected.Length && string.CompareOrdinal(expected, _at, prefix, 0, prefix.Length) == 0)
            {
                int end = expected.IndexOf('\n', _at);
                _at = end < 0 ? expected.Length : end + 1;
            }
        }

        // Compared digit by digit where it stands, without making the number's text (most of a file is numbers).
        public override Sink Number(long value)
        {
            if (_mismatch >= 0 || value == long.MinValue) return base.Number(value);
            int digits = 1;
            for (long rest = Math.Abs(value) / 10; rest > 0; rest /= 10) digits++;
            int length = digits + (value < 0 ? 1 : 0);
            if (_at + length > expected.Length || (value < 0 && expected[_at] != '-')) return base.Number(value);
            long remaining = Math.Abs(value);
            for (int i = _at + length - 1; i >= _at + length - digits; i--, remaining /= 10)
            {
                if (expected[i] != (char)('0' + remaining % 10)) return base.Number(value);
            }
            _at += length;
            return this;
        }
    }
}
