using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace KexecGen.Config;

/// <summary>Reads and writes the headers/&lt;abi&gt;.yaml format; writing is deterministic (sorted, invariant).</summary>
public static class ScannedAbiFormat
{
    /// <summary>The folder of the scanned files, relative to arches.yaml.</summary>
    public const string Folder = "headers";

    /// <summary>Whether <paramref name="path"/> names a scanned headers file.</summary>
    public static bool IsScannedFile(string path) =>
        path.EndsWith(".yaml", System.StringComparison.Ordinal)
        && System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(path)) == Folder;

    /// <summary>The text of <paramref name="abi"/>'s file; the same scan always gives the same bytes.</summary>
    public static string Write(ScannedAbi abi)
    {
        var s = new StringBuilder();
        s.Append("# headers/").Append(abi.Abi).Append(".yaml: written by `kexecgen-scan scan` from arches.yaml and the kernel headers. DO NOT EDIT.\n");
        s.Append("abi: ").Append(Quote(abi.Abi)).Append('\n');
        s.Append("triple: ").Append(Quote(abi.Triple)).Append('\n');
        s.Append("kernel: ").Append(Quote(abi.Kernel)).Append('\n');
        s.Append("compiler: ").Append(Quote(abi.Compiler)).Append('\n');
        s.Append("pointer_size: ").Append(Num(abi.PointerSize)).Append('\n');
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
            s.Append("    size: ").Append(Num(st.Size)).Append('\n');
            s.Append("    align: ").Append(Num(st.Align)).Append('\n');
            s.Append("    fields:\n");
            foreach (var f in st.Fields) // declaration order is meaningful
            {
                s.Append("      - { name: ").Append(f.Name).Append(", type: ").Append(Quote(f.Type))
                 .Append(", offset: ").Append(Num(f.Offset)).Append(", size: ").Append(Num(f.Size)).Append(" }\n");
            }
        }
        s.Append("constants:\n");
        foreach (var c in abi.Constants.OrderBy(x => x.Name, System.StringComparer.Ordinal))
        {
            s.Append("  - { name: ").Append(c.Name).Append(", value: ").Append(Num(c.Value)).Append(", file: ").Append(Quote(c.File)).Append(" }\n");
        }
        return s.ToString();
    }

    /// <summary>Parses a scanned headers file, reporting every problem with its place.</summary>
    public static Parsed<ScannedAbi> Parse(string path, string text) =>
        CanonicalScannedAbiReader.TryRead(path, text) is { } canonical
            ? new Parsed<ScannedAbi>(canonical, EquatableArray<DiagnosticInfo>.Empty)
            : ParseYaml(path, text);

    /// <summary>
    /// Parses a headers file with the full YAML reader: what <see cref="Parse"/> does for every file not exactly in
    /// the form <see cref="Write"/> gives, so that every problem gets its place.
    /// </summary>
    public static Parsed<ScannedAbi> ParseYaml(string path, string text)
    {
        var reader = new YamlReader(path);
        var root = reader.AsMap(reader.Load(text), "the document");
        if (root is null) return new Parsed<ScannedAbi>(null, reader.Diagnostics.ToEquatableArray());
        const string what = "the headers file";
        reader.OnlyKeys(root, what, "abi", "triple", "kernel", "compiler", "pointer_size", "scanned", "include", "inputs", "syscalls", "structs", "constants");
        var abi = reader.String(root, "abi", what) ?? "";
        var triple = reader.String(root, "triple", what) ?? "";
        var kernel = reader.String(root, "kernel", what) ?? "";
        var compiler = reader.String(root, "compiler", what) ?? "";
        var pointerNode = reader.Get(root, "pointer_size");
        int pointerSize = 0;
        if (pointerNode is null) reader.Error(root, $"{what} has no 'pointer_size'");
        else pointerSize = (int)(reader.Integer(pointerNode, "pointer_size", out _) ?? 0);

        var inputs = new List<InputFile>();
        foreach (var node in reader.Sequence(root, "inputs", what))
        {
            var map = reader.AsMap(node, "an input");
            if (map is null) continue;
            var p = reader.String(map, "path", "an input");
            var h = reader.String(map, "sha256", "an input");
            if (p is not null && h is not null) inputs.Add(new InputFile(p, h));
        }
        var syscalls = new List<ScannedSyscall>();
        foreach (var (key, value) in reader.Pairs(root, "syscalls", what))
        {
            var number = reader.Integer(value, $"syscall '{key.Value}'", out bool ok);
            var name = reader.Identifier(key, key.Value, "syscall name");
            if (ok && name is not null) syscalls.Add(new ScannedSyscall(name, number, reader.At(value)));
        }
        var structs = new List<ScannedStruct>();
        foreach (var node in reader.Sequence(root, "structs", what))
        {
            var st = ParseStruct(reader, node);
            if (st is not null) structs.Add(st);
        }
        var constants = new List<ScannedConstant>();
        foreach (var node in reader.Sequence(root, "constants", what))
        {
            var map = reader.AsMap(node, "a constant");
            if (map is null) continue;
            reader.OnlyKeys(map, "a constant", "name", "value", "file");
            var name = reader.Identifier(map, reader.String(map, "name", "a constant"), "constant name");
            var valueNode = reader.Get(map, "value");
            long? value = valueNode is null ? null : reader.Integer(valueNode, $"value of {name}", out _);
            if (valueNode is null) reader.Error(map, $"constant '{name}' has no 'value'");
            var file = reader.String(map, "file", $"constant '{name}'") ?? "";
            if (name is not null && value is long v) constants.Add(new ScannedConstant(name, v, file, reader.At(map)));
        }
        var spec = new ScannedAbi(path, abi, triple, kernel, compiler, pointerSize,
            reader.Strings(root, "scanned", what, required: true).ToEquatableArray(),
            reader.Strings(root, "include", what, required: true).ToEquatableArray(),
            inputs.ToEquatableArray(), syscalls.ToEquatableArray(), structs.ToEquatableArray(), constants.ToEquatableArray());
        return new Parsed<ScannedAbi>(Diagnose.HasErrors(reader.Diagnostics) ? null : spec, reader.Diagnostics.ToEquatableArray());
    }

    private static ScannedStruct? ParseStruct(YamlReader reader, YamlNode node)
    {
        var map = reader.AsMap(node, "a struct");
        if (map is null) return null;
        reader.OnlyKeys(map, "a struct", "name", "size", "align", "fields");
        var name = reader.Identifier(map, reader.String(map, "name", "a struct"), "struct name");
        var what = $"struct '{name}'";
        int Int(YamlMappingNode m, string key, string w)
        {
            var n = reader.Get(m, key);
            if (n is null) { reader.Error(m, $"{w} has no '{key}'"); return 0; }
            return (int)(reader.Integer(n, $"'{key}' of {w}", out _) ?? 0);
        }
        int size = Int(map, "size", what), align = Int(map, "align", what);
        var fields = new List<ScannedField>();
        foreach (var fieldNode in reader.Sequence(map, "fields", what))
        {
            var f = reader.AsMap(fieldNode, $"a field of {what}");
            if (f is null) continue;
            reader.OnlyKeys(f, $"a field of {what}", "name", "type", "offset", "size");
            var fieldName = reader.Identifier(f, reader.String(f, "name", $"a field of {what}"), "field name");
            var type = reader.String(f, "type", $"field '{fieldName}'");
            int offset = Int(f, "offset", $"field '{fieldName}'"), fieldSize = Int(f, "size", $"field '{fieldName}'");
            if (fieldName is not null && type is not null) fields.Add(new ScannedField(fieldName, type, offset, fieldSize));
        }
        return name is null ? null : new ScannedStruct(name, size, align, fields.ToEquatableArray(), reader.At(map));
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
