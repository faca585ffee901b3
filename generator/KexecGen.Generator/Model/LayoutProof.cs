using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>The size .NET gives a primitive or pointer C# type on an ABI of this pointer size; 0 for any other type.</summary>
internal static class LayoutProof
{
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
