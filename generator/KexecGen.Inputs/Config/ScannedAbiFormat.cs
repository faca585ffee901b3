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
    public static string Write(ScannedAbi abi)
    {
        var s = new StringBuilder();
        s.Append(Comment).Append('\n');
        s.Append("abi: ").Append(Quote(abi.Abi)).Append('\n');
        s.Append("triple: ").Append(Quote(abi.Triple)).Append('\n');
        s.Append("kernel: ").Append(Quote(abi.Kernel)).Append('\n');
        s.Append("compiler: ").Append(Quote(abi.Compiler)).Append('\n');
        s.Append("pointer_size: ").Append(Num(abi.PointerSize)).Append('\n');
        s.Append("byte_order: ").Append(abi.ByteOrder).Append('\n');
        s.Append("scanned: [").Append(string.Join(", ", abi.Scanned.Select(Quote))).Append("]\n");
        s.Append("include: [").Append(string.Join(", ", abi.Include.Select(Quote))).Append("]\n");
        s.Append("inputs:\n");
        foreach (var input in abi.Inputs.OrderBy(i => i.Path, System.StringComparer.Ordinal))
        {
            s.Append("  - { path: ").Append(Quote(input.Path)).Append(", sha256: ").Append(input.Sha256).Append(" }\n");
        }
        s.Append("syscalls:\n");
        foreach (var call in abi.Syscalls.OrderBy(c => c.Name, System.StringComparer.Ordinal))
        {
            s.Append("  ").Append(call.Name).Append(": ").Append(call.Number is long n ? Num(n) : "null").Append('\n');
        }
        s.Append("structs:\n");
        foreach (var st in abi.Structs.OrderBy(x => x.Name, System.StringComparer.Ordinal))
        {
            s.Append("  - name: ").Append(st.Name).Append('\n');
            s.Append("    kind: ").Append(st.Kind).Append('\n');
            s.Append("    size: ").Append(Num(st.Size)).Append('\n');
            s.Append("    align: ").Append(Num(st.Align)).Append('\n');
            s.Append("    fields:\n");
            foreach (var f in st.Fields) // declaration order is meaningful
            {
                s.Append("      - { name: ").Append(f.Name).Append(", type: ").Append(Quote(f.Type))
                 .Append(", offset: ").Append(Num(f.Offset)).Append(", size: ").Append(Num(f.Size)).Append(", kind: ").Append(f.Kind);
                if (f.Count is int count) s.Append(", count: ").Append(Num(count));
                if (f.Bits > 0) s.Append(", bits: ").Append(Num(f.Bits)).Append(", bit: ").Append(Num(f.Bit));
                s.Append(" }\n");
            }
        }
        s.Append("constants:\n");
        foreach (var c in abi.Constants.OrderBy(x => x.Name, System.StringComparer.Ordinal))
        {
            s.Append("  - { name: ").Append(c.Name).Append(", value: ").Append(Num(c.Value)).Append(", file: ").Append(Quote(c.File)).Append(" }\n");
        }
        s.Append("prototypes:\n");
        foreach (var p in abi.Prototypes.OrderBy(x => x.Name, System.StringComparer.Ordinal))
        {
            s.Append("  - name: ").Append(p.Name).Append('\n');
            s.Append("    source: ").Append(Quote(p.Source)).Append('\n');
            if (p.Entry is not null)
            {
                s.Append("    entry: ").Append(Quote(p.Entry)).Append('\n');
                s.Append("    entry_source: ").Append(Quote(p.EntrySource)).Append('\n');
            }
            Args(s, "args", p.Args);
            if (p.EntryArgs.Count > 0) Args(s, "entry_args", p.EntryArgs);
        }
        return s.ToString();
    }

    // "    key: []", or "    key:" and one line per argument, in declaration order (the call's order).
    private static void Args(StringBuilder s, string key, EquatableArray<ScannedArg> args)
    {
        if (args.Count == 0)
        {
            s.Append("    ").Append(key).Append(": []\n");
            return;
        }
        s.Append("    ").Append(key).Append(":\n");
        foreach (var a in args)
        {
            s.Append("      - { name: ").Append(a.Name).Append(", type: ").Append(Quote(a.Type))
             .Append(", size: ").Append(Num(a.Size)).Append(", kind: ").Append(a.Kind).Append(" }\n");
        }
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
