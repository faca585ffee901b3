using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>
/// KXG007's proof: the layout .NET gives a sequential struct of the C# field types, computed for an ABI's pointer size,
/// must equal the layout that ABI's C compiler gave (the scanned sizes, offsets and alignment).
/// </summary>
internal static class LayoutProof
{
    // The layout .NET gives a sequential struct of these field types, against the C compiler's.
    public static string? Compare(ScannedStruct scanned, List<FieldModel> fields, int pointerSize)
    {
        if (scanned.Fields.Count != fields.Count) return $"{scanned.Fields.Count} fields in C, {fields.Count} in C#";
        int offset = 0, maxAlign = 1;
        for (int i = 0; i < fields.Count; i++)
        {
            // A field without a C# type has had its diagnostic already; it cannot be laid out.
            if (fields[i].Type is not { } type) return $"field {fields[i].CName} has no C# type";
            int size = ManagedSize(type, pointerSize);
            if (size == 0) return $"field {fields[i].CName}: '{fields[i].Type}' is not a blittable primitive";
            int align = size;
            offset = (offset + align - 1) / align * align;
            maxAlign = Math.Max(maxAlign, align);
            var c = scanned.Fields[i];
            if (c.Size != size) return $"field {c.Name} is {c.Size} bytes in C, {size} as {fields[i].Type}";
            if (c.Offset != offset) return $"field {c.Name} is at offset {c.Offset} in C, {offset} in C#";
            offset += size;
        }
        int total = (offset + maxAlign - 1) / maxAlign * maxAlign;
        if (total != scanned.Size) return $"size {scanned.Size} in C, {total} in C#";
        if (maxAlign != scanned.Align) return $"alignment {scanned.Align} in C, {maxAlign} in C#";
        return null;
    }

    public static int ManagedSize(string type, int pointerSize) => type switch
    {
        "byte" or "sbyte" => 1,
        "short" or "ushort" => 2,
        "int" or "uint" => 4,
        "long" or "ulong" => 8,
        "nint" or "nuint" => pointerSize,
        _ => type.EndsWith("*", StringComparison.Ordinal) ? pointerSize : 0,
    };
}
