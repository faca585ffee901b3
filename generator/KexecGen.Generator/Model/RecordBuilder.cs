using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>
/// The C# form of the bound records (structs and unions) and of every record their fields hold. Each comes out
/// sequential where .NET's own layout of the C# field types equals the C layout on every target ABI (so pointer-sized
/// fields follow the ABI), else explicit (<c>[FieldOffset]</c>, the C size and alignment) where the C layout is the
/// same on every target; else it is refused (KXG018). The targets are the ABIs the build runs on: the one its
/// RuntimeIdentifier names, or every ABI .NET runs on.
/// </summary>
internal static class RecordBuilder
{
    public static (List<StructModel> Structs, List<ArrayTypeModel> Arrays) Build(BindingsSpec bindings, List<Abi> abis, List<Abi> targets, List<DiagnosticInfo> diagnostics)
    {
        var state = new State(bindings, diagnostics);
        foreach (var twice in bindings.Structs.GroupBy(s => s.CName).Where(g => g.Count() > 1))
        {
            diagnostics.Add(Diagnose.Schema(twice.Skip(1).First().Location, $"struct {twice.Key} is bound twice; bind it once"));
        }
        foreach (var spec in bindings.Structs)
        {
            foreach (var abi in abis.Where(a => (spec.Abis.Count == 0 || spec.Abis.Contains(a.Spec.Name)) && a.Scanned.Structs.All(s => s.Name != spec.CName)))
            {
                diagnostics.Add(Diagnose.NotScanned(spec.Location, abi.Spec.Name, $"struct {spec.CName}"));
            }
            foreach (var extra in spec.Fields.Where(f => Scans(Targets(spec, abis, targets), spec.CName).FirstOrDefault() is { } s && s.Fields.All(x => x.Name != f.CName)))
            {
                diagnostics.Add(Diagnose.Schema(spec.Location, $"struct {spec.CName} has no field '{extra.CName}'"));
            }
        }
        foreach (var spec in bindings.Structs) state.Record(spec.CName, spec.Location, Targets(spec, abis, targets), spec.Abis.Count > 0);
        // Bound records first, in arches.yaml's order; those they hold after them, by name.
        var bound = bindings.Structs.Select(s => s.CName).Distinct().Select(c => state.Built.TryGetValue(c, out var m) ? m : null).Where(s => s is not null).Select(s => s!);
        var held = state.Built.Where(p => bindings.Structs.All(s => s.CName != p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).Where(s => s is not null).Select(s => s!);
        return (bound.Concat(held).ToList(), state.Arrays.OrderBy(a => a.Name, StringComparer.Ordinal).ToList());
    }

    // A struct only some ABIs define (boot_params: x86) is laid out as the build's targets among them have it, or, where
    // the build runs on none of them, as they all have it: its bytes are a boot protocol's or a file format's.
    private static List<Abi> Targets(StructSpec spec, List<Abi> abis, List<Abi> targets)
    {
        if (spec.Abis.Count == 0) return targets;
        var scoped = targets.Where(t => spec.Abis.Contains(t.Spec.Name)).ToList();
        return scoped.Count > 0 ? scoped : abis.Where(a => spec.Abis.Contains(a.Spec.Name)).ToList();
    }

    private static IEnumerable<ScannedStruct> Scans(List<Abi> targets, string name) =>
        targets.Select(t => t.Scanned.Structs.FirstOrDefault(s => s.Name == name)).Where(s => s is not null).Select(s => s!);

    /// <summary>The C# name of a record: the bound name, or its C name in PascalCase ("bpf_attr.batch" is BpfAttrBatch).</summary>
    public static string CSharpName(BindingsSpec bindings, string cName) =>
        bindings.Structs.FirstOrDefault(s => s.CName == cName)?.Name ?? string.Concat(cName.Split('.').Select(p => CSharpNames.MemberName(p, null)));

    private sealed class State(BindingsSpec bindings, List<DiagnosticInfo> diagnostics)
    {
        public Dictionary<string, StructModel?> Built { get; } = new(StringComparer.Ordinal);

        public List<ArrayTypeModel> Arrays { get; } = new();

        // .NET's size and alignment of each built record, per pointer size.
        private readonly Dictionary<(string, int), (int Size, int Align)> _managed = new();

        public StructModel? Record(string cName, LocationInfo at, List<Abi> targets, bool scoped = false)
        {
            if (Built.TryGetValue(cName, out var done)) return done;
            Built[cName] = null; // a record cannot hold itself; this also ends a cycle
            var scans = targets.Select(t => (Abi: t, Scan: (ScannedStruct?)t.Scanned.Structs.FirstOrDefault(s => s.Name == cName))).ToList();
            if (scans.Count == 0 || scans.Any(s => s.Scan is null)) return null; // said already: KXG005 at the binding
            var spec = bindings.Structs.FirstOrDefault(s => s.CName == cName);
            var name = CSharpName(bindings, cName);
            var first = scans[0].Scan!;
            var what = $"{first.Kind} {cName}";

            // One C# type per field, from the first target's scan (any difference between targets comes out below).
            var types = new List<string?>();
            foreach (var field in first.Fields)
            {
                var type = ElementType(field, scans, what, at, targets, scoped);
                if (type is not null && field.Count is int count && count > 0) type = ArrayType(type, count);
                types.Add(type);
            }
            if (types.Any(t => t is null)) return null;

            var fields = new List<FieldModel>();
            var bitFields = new List<BitFieldModel>();
            var flexible = new List<FlexibleModel>();
            for (int i = 0; i < first.Fields.Count; i++)
            {
                var f = first.Fields[i];
                var config = spec?.Fields.FirstOrDefault(x => x.CName == f.Name);
                var fieldName = config?.Name ?? CSharpNames.MemberName(f.Name, null);
                // A member may not share its struct's name: a derived one is kept apart, a chosen one is refused (NameCollisions).
                if (config is null && (fieldName == name || fieldName.Length == 0)) fieldName = "_" + f.Name;
                var doc = config?.Doc ?? "";
                if (f.Bits > 0 && (f.Bit + f.Bits + 7) / 8 > 8)
                {
                    diagnostics.Add(Diagnose.Schema(at, $"{what}: bit-field {f.Name} spans more than 8 bytes ({f.Bits} bits from bit {f.Bit}), which KexecGen cannot read"));
                    return null;
                }
                if (f.Bits > 0)
                {
                    bitFields.Add(new BitFieldModel(fieldName, f.Name, types[i]!, doc, f.Offset, (f.Bit + f.Bits + 7) / 8, f.Bit, f.Bits,
                        f.Kind == ScannedArg.Signed, scans[0].Abi.Scanned.ByteOrder == "big"));
                }
                else if (f.Count == 0) flexible.Add(new FlexibleModel(fieldName, f.Name, types[i]!, doc, f.Offset));
                else fields.Add(new FieldModel(fieldName, f.Name, types[i], doc, f.Offset, f.Type));
            }

            // A field whose element count differs between targets (a padding array sized by sizeof(long)) has no one C# type.
            var counted = scans.Skip(1).SelectMany(s => s.Scan!.Fields.Zip(first.Fields, (x, y) => (Field: x, First: y, s.Abi)))
                .FirstOrDefault(p => p.Field.Name == p.First.Name && p.Field.Count != p.First.Count);
            if (counted.Abi is not null)
            {
                diagnostics.Add(Diagnose.LayoutDiffers(at, what, $"{counted.Field.Name} has {counted.First.Count ?? 1} elements on {scans[0].Abi.Spec.Name}, {counted.Field.Count ?? 1} on {counted.Abi.Spec.Name}"));
                return null;
            }
            // Every field's C# type must be as wide as C's on every target, and no field may leave its struct.
            foreach (var (abi, scan) in scans)
            {
                if ((Inconsistent(scan!, first) ?? WrongWidth(scan!, types, abi.Scanned.PointerSize)) is { } problem)
                {
                    diagnostics.Add(Diagnose.LayoutMismatch(at, abi.Spec.Name, $"{what}: {problem}"));
                    return null;
                }
            }
            // Sequential where .NET lays the fields out as C does on every target; explicit where C's layout is one.
            var sequential = bitFields.Count == 0 && first.Kind == ScannedStruct.Struct
                ? scans.Select(s => SequentialProblem(s.Scan!, first, types, s.Abi.Scanned.PointerSize) is { } p ? $"{s.Abi.Spec.Name}: {p}" : null).FirstOrDefault(p => p is not null)
                : "a union or bit-fields";
            var differs = scans.Skip(1).Select(s => Difference(first, s.Scan!, scans[0].Abi, s.Abi)).FirstOrDefault(d => d is not null);
            bool isExplicit = sequential is not null;
            if (isExplicit && differs is not null)
            {
                diagnostics.Add(Diagnose.LayoutDiffers(at, what, differs));
                return null;
            }
            // A flexible array's accessor adds one offset to the struct's start, which must hold on every target.
            var flexibleDiffers = scans.Skip(1).SelectMany(s => s.Scan!.Fields.Where(f => f.Count == 0)
                .Where(f => flexible.Any(x => x.CName == f.Name && x.Offset != f.Offset)).Select(f => $"{f.Name} at {flexible.First(x => x.CName == f.Name).Offset} on {scans[0].Abi.Spec.Name}, {f.Offset} on {s.Abi.Spec.Name}")).FirstOrDefault();
            if (flexibleDiffers is not null)
            {
                diagnostics.Add(Diagnose.LayoutDiffers(at, what, flexibleDiffers));
                return null;
            }
            int pack = isExplicit ? first.Align : 0;
            foreach (var (abi, scan) in scans)
            {
                _managed[(name, abi.Scanned.PointerSize)] = isExplicit
                    ? (scan!.Size, Math.Min(pack, MaxAlign(fields.Select(f => f.Type!).Concat(bitFields.Select(b => b.Type)), abi.Scanned.PointerSize)))
                    : SequentialLayout(types.Where((t, i) => first.Fields[i].Count != 0), abi.Scanned.PointerSize);
            }
            var model = new StructModel(name, cName, spec?.Doc ?? "", fields.ToEquatableArray(), first.Kind, isExplicit, first.Size, pack,
                bitFields.ToEquatableArray(), flexible.ToEquatableArray(), spec is null, scoped ? string.Join(", ", targets.Select(t => t.Spec.Name)) : "");
            Built[cName] = model;
            return model;

        }

        // The C# type of a field's element: the record it holds, a bindings.types mapping, or the integer of its kind and size.
        private string? ElementType(ScannedField field, List<(Abi Abi, ScannedStruct? Scan)> scans, string what, LocationInfo at, List<Abi> targets, bool scoped)
        {
            if (field.RecordName is { } held)
            {
                var inner = Record(held, at, targets, scoped);
                return inner?.Name;
            }
            if (bindings.Types.FirstOrDefault(t => t.CType == field.ElementType)?.CSharpType is { } mapped)
            {
                if (LayoutProof.ManagedSize(mapped, 8) != 0) return mapped;
                diagnostics.Add(Diagnose.Schema(at, $"{what}: field {field.Name} maps to '{mapped}', which is not a blittable primitive or pointer"));
                return null;
            }
            var same = scans.SelectMany(s => s.Scan!.Fields.Where(f => f.Name == field.Name).Take(1)).ToList();
            var sizes = same.Select(f => f.Size).Distinct().ToList();
            if (field.Kind == ScannedArg.Pointer) return "nint";
            if (field.Kind == ScannedField.Float && sizes.Count == 1 && sizes[0] is 4 or 8) return sizes[0] == 4 ? "float" : "double";
            // C's plain char (text, whose signedness is the ABI's) is a byte on every ABI, so that one build's type is every build's.
            if (field.ElementType is "char" or "const char") return "byte";
            if (field.Kind is ScannedArg.Signed or ScannedArg.Unsigned)
            {
                // An integer whose signedness differs between targets is unsigned.
                bool signed = same.All(f => f.Kind == ScannedArg.Signed);
                if (sizes.Count == 1 && sizes[0] is 1 or 2 or 4 or 8)
                {
                    return (sizes[0], signed) switch
                    {
                        (1, true) => "sbyte", (1, false) => "byte", (2, true) => "short", (2, false) => "ushort",
                        (4, true) => "int", (4, false) => "uint", (8, true) => "long", _ => "ulong",
                    };
                }
                // A long: the pointer's size on every target.
                if (scans.Zip(same, (s, f) => f.Size == s.Abi.Scanned.PointerSize).All(x => x)) return signed ? "nint" : "nuint";
            }
            diagnostics.Add(Diagnose.Schema(at, $"{what}: no C# type for field {field.Name}'s C type '{field.Type}' ({field.Kind}, {string.Join(" or ", sizes)} bytes); add it to bindings.types"));
            return null;
        }

        // An [InlineArray] type for 'count' elements of 'element', made once.
        private string ArrayType(string element, int count)
        {
            var name = $"{TypeWord(element)}Array{count}";
            if (Arrays.All(a => a.Name != name)) Arrays.Add(new ArrayTypeModel(name, element, count));
            return name;
        }

        private static string TypeWord(string type) => type switch
        {
            "byte" => "Byte", "sbyte" => "SByte", "short" => "Int16", "ushort" => "UInt16", "int" => "Int32", "uint" => "UInt32",
            "long" => "Int64", "ulong" => "UInt64", "nint" => "IntPtr", "nuint" => "UIntPtr", "float" => "Single", "double" => "Double",
            _ => type,
        };

        // .NET's size and alignment of a C# field type on a target of this pointer size.
        public (int Size, int Align) Managed(string type, int pointerSize)
        {
            if (Arrays.FirstOrDefault(a => a.Name == type) is { } array)
            {
                var element = Managed(array.ElementType, pointerSize);
                return (element.Size * array.Count, element.Align);
            }
            if (_managed.TryGetValue((type, pointerSize), out var record)) return record;
            int size = type switch { "float" => 4, "double" => 8, _ => LayoutProof.ManagedSize(type, pointerSize) };
            return (size, Math.Max(size, 1));
        }

        private int MaxAlign(IEnumerable<string> types, int pointerSize) => types.Select(t => Managed(t, pointerSize).Align).DefaultIfEmpty(1).Max();

        // .NET's sequential layout of these field types: its size and alignment.
        private (int Size, int Align) SequentialLayout(IEnumerable<string?> types, int pointerSize)
        {
            int offset = 0, maxAlign = 1;
            foreach (var type in types)
            {
                var (size, align) = Managed(type!, pointerSize);
                offset = (offset + align - 1) / align * align + size;
                maxAlign = Math.Max(maxAlign, align);
            }
            return ((offset + maxAlign - 1) / maxAlign * maxAlign, maxAlign);
        }

        // A field whose C# type is not as wide as C's on this ABI; null when none.
        private string? WrongWidth(ScannedStruct scan, List<string?> types, int pointerSize)
        {
            for (int i = 0; i < types.Count && i < scan.Fields.Count; i++)
            {
                var c = scan.Fields[i];
                // A bit-field's type is its declared type's; a flexible array's is its element's.
                var size = Managed(types[i]!, pointerSize).Size;
                var expected = c.Bits > 0 || c.Count == 0 ? c.Size : c.Bytes;
                if (size != expected) return $"field {c.Name} is {expected} bytes in C, {size} as {types[i]}";
            }
            return null;
        }

        // A scanned field that leaves its struct (a headers file no compiler wrote); null when none does. (Fields may
        // overlap: those of an anonymous union are the struct's own.)
        private static string? Inconsistent(ScannedStruct scan, ScannedStruct first)
        {
            if (scan.Fields.Count != first.Fields.Count) return null; // a difference between ABIs, said as such
            foreach (var f in scan.Fields)
            {
                if (f.Bits == 0 && f.Offset + f.Bytes > scan.Size) return $"field {f.Name} ends at {f.Offset + f.Bytes}, past the {scan.Size} bytes of the struct";
            }
            return null;
        }

        // Why .NET's sequential layout of these types would not be this ABI's C layout; null when it is.
        private string? SequentialProblem(ScannedStruct scan, ScannedStruct first, List<string?> types, int pointerSize)
        {
            if (scan.Fields.Count != first.Fields.Count) return $"{scan.Fields.Count} fields in C, {first.Fields.Count} in C#";
            int offset = 0, maxAlign = 1;
            for (int i = 0; i < types.Count; i++)
            {
                var c = scan.Fields[i];
                if (c.Name != first.Fields[i].Name) return $"field {i} is {c.Name}, not {first.Fields[i].Name}";
                if (c.Count == 0)
                {
                    if (i != types.Count - 1) return $"flexible array {c.Name} is not last";
                    continue;
                }
                var (size, align) = Managed(types[i]!, pointerSize);
                offset = (offset + align - 1) / align * align;
                maxAlign = Math.Max(maxAlign, align);
                if (c.Bytes != size) return $"field {c.Name} is {c.Bytes} bytes in C, {size} as {types[i]}";
                if (c.Offset != offset) return $"field {c.Name} is at offset {c.Offset} in C, {offset} in C#";
                offset += size;
            }
            int total = (offset + maxAlign - 1) / maxAlign * maxAlign;
            if (total != scan.Size) return $"size {scan.Size} in C, {total} in C#";
            if (maxAlign != scan.Align) return $"alignment {scan.Align} in C, {maxAlign} in C#";
            return null;
        }

        // How two targets' C layouts of one record differ; null when they are the same.
        private static string? Difference(ScannedStruct a, ScannedStruct b, Abi abiA, Abi abiB)
        {
            string On(string x, string y) => $"{x} on {abiA.Spec.Name}, {y} on {abiB.Spec.Name}";
            if (a.Size != b.Size) return On($"{a.Size} bytes", $"{b.Size}");
            if (a.Fields.Count != b.Fields.Count) return On($"{a.Fields.Count} fields", $"{b.Fields.Count}");
            for (int i = 0; i < a.Fields.Count; i++)
            {
                ScannedField x = a.Fields[i], y = b.Fields[i];
                if (x.Name != y.Name) return On($"field {i} {x.Name}", y.Name);
                if (x.Offset != y.Offset || x.Bit != y.Bit) return On($"{x.Name} at {x.Offset}" + (x.Bits > 0 ? $" bit {x.Bit}" : ""), $"{y.Offset}" + (y.Bits > 0 ? $" bit {y.Bit}" : ""));
                if (x.Bytes != y.Bytes || x.Count != y.Count) return On($"{x.Name} of {x.Bytes} bytes", $"{y.Bytes}");
            }
            return null;
        }
    }
}
