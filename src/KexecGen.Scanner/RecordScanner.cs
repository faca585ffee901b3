using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>
/// The records (structs and unions) the bindings name, and every record their fields hold, as a libclang parse shows
/// them: fields in order, the fields of anonymous members flattened into their record, array bounds, bit-field widths,
/// what each field's element is. Where the parse is for the ABI's own triple, clang's layout comes too; for an ABI
/// scanned by its cross gcc the parse is of gcc's preprocessed text, and every number is asked of gcc instead.
/// </summary>
internal static class RecordScanner
{
    /// <summary>A record: its name in the headers file, struct or union, the C type expression naming it, its fields.</summary>
    internal sealed record Record(string Name, string Kind, string TypeExpression, List<Field> Fields, int Size, int Align);

    /// <summary>
    /// A field as parsed: <paramref name="Type"/> as the headers file spells it, its element's C spelling, kind, array
    /// bounds (null: not an array; 0: flexible), bit-field width (0: none), and the layout clang gave (bits and bytes).
    /// </summary>
    internal sealed record Field(string Name, string Type, string Element, string Kind, List<int>? Dims, int Bits, long OffsetBits, int Size);

    /// <summary>The bound of a flexible array member (<c>[]</c>) in <see cref="Field.Dims"/>; a GNU zero-length array (<c>[0]</c>) has 0.</summary>
    public const int Flexible = -1;

    // CXTypeKind values (clang-c/Index.h).
    private const int Pointer = 101, BlockPointer = 102, RecordType = 105, EnumType = 106, ConstantArray = 112, IncompleteArray = 114;

    /// <summary>
    /// Walks the records named by <paramref name="wanted"/> and those their fields hold. A record that cannot be
    /// described is not returned; <paramref name="problems"/> says why, under the name it was asked by.
    /// </summary>
    public static List<Record> Walk(TranslationUnit tu, IReadOnlyCollection<string> wanted, List<(string Name, string Why)> problems)
    {
        var definitions = new Dictionary<string, CXCursor>(StringComparer.Ordinal);
        foreach (var cursor in tu.TopLevel().Where(c => c.Kind is CursorKind.StructDecl or CursorKind.UnionDecl))
        {
            if (LibClang.clang_isCursorDefinition(cursor) == 0) continue;
            var tag = TranslationUnit.Spelling(cursor);
            if (tag.Length > 0 && LibClang.clang_Cursor_isAnonymous(cursor) == 0) definitions.TryAdd(tag, cursor);
        }
        var records = new List<Record>();
        var queue = new Queue<(string Name, string Expression, CXCursor Cursor, string AskedAs)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in wanted)
        {
            if (!definitions.TryGetValue(name, out var cursor))
            {
                problems.Add((name, "it is not defined by the headers"));
                continue;
            }
            seen.Add(name);
            queue.Enqueue((name, $"{KindWord(cursor)} {name}", cursor, name));
        }
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var reachedFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        while (queue.Count > 0)
        {
            var (name, expression, cursor, askedAs) = queue.Dequeue();
            var fields = new List<Field>();
            var held = new List<(string, string, CXCursor)>();
            var type = LibClang.clang_getCursorType(cursor);
            if (Flatten(cursor, type, name, expression, fields, held) is { } why)
            {
                problems.Add((askedAs, askedAs == name ? why : $"{name}, which it holds: {why}"));
                failed.Add(askedAs);
                continue;
            }
            reachedFrom[name] = askedAs;
            records.Add(new Record(name, KindWord(cursor), expression, fields, (int)LibClang.clang_Type_getSizeOf(type), (int)LibClang.clang_Type_getAlignOf(type)));
            foreach (var (heldName, heldExpression, heldCursor) in held.Where(h => seen.Add(h.Item1))) queue.Enqueue((heldName, heldExpression, heldCursor, askedAs));
        }
        // A record is described with everything it holds, or not at all.
        return records.Where(r => !failed.Contains(reachedFrom[r.Name])).ToList();
    }

    private static string KindWord(CXCursor cursor) => cursor.Kind == CursorKind.UnionDecl ? ScannedStruct.Union : ScannedStruct.Struct;

    // The fields of the record at 'cursor' (and of its anonymous members), or why they cannot be described.
    private static string? Flatten(CXCursor cursor, CXType top, string name, string expression, List<Field> fields, List<(string, string, CXCursor)> held)
    {
        foreach (var child in TranslationUnit.Children(cursor))
        {
            if (child.Kind is CursorKind.StructDecl or CursorKind.UnionDecl)
            {
                if (LibClang.clang_Cursor_isAnonymousRecordDecl(child) != 0 && Flatten(child, top, name, expression, fields, held) is { } why) return why;
                continue; // a named nested record is reached through its field's type
            }
            if (child.Kind != CursorKind.FieldDecl) continue;
            var fieldName = TranslationUnit.Spelling(child);
            // No name: an anonymous member (flattened above, from its declaration) or an unnamed bit-field, which only pads.
            if (fieldName.Length == 0) continue;
            var fieldType = LibClang.clang_getCursorType(child);
            long offsetBits = Offset(top, fieldName);
            if (offsetBits < 0) return $"clang gives field {fieldName} no offset";
            int bits = LibClang.clang_Cursor_isBitField(child) != 0 ? LibClang.clang_getFieldDeclBitWidth(child) : 0;

            var (element, dims) = Element(fieldType);
            var canonical = LibClang.clang_getCanonicalType(element);
            string kind, spelling;
            if (canonical.Kind == RecordType)
            {
                var declaration = LibClang.clang_getTypeDeclaration(canonical);
                var tag = TranslationUnit.Spelling(declaration);
                bool unnamed = LibClang.clang_Cursor_isAnonymous(declaration) != 0 || tag.Length == 0;
                var heldName = unnamed ? $"{name}.{fieldName}" : tag;
                var access = $"(({expression} *)0)->{fieldName}" + string.Concat(Enumerable.Repeat("[0]", dims?.Count ?? 0));
                held.Add((heldName, unnamed ? $"__typeof__({access})" : $"{KindWord(declaration)} {tag}", declaration));
                kind = ScannedField.Record;
                spelling = $"{KindWord(declaration)} {heldName}";
            }
            else if (ScalarKind(canonical) is { } scalar)
            {
                kind = scalar;
                spelling = LibClang.Take(LibClang.clang_getTypeSpelling(dims is null ? fieldType : element));
                if (spelling.Contains("(unnamed", StringComparison.Ordinal) || spelling.Contains("(anonymous", StringComparison.Ordinal)) return $"field {fieldName}'s type has no name to write";
            }
            else
            {
                return $"field {fieldName} is of type '{LibClang.Take(LibClang.clang_getTypeSpelling(fieldType))}', which KexecGen cannot lay out";
            }
            if (bits > 0 && kind is not (ScannedArg.Signed or ScannedArg.Unsigned)) return $"bit-field {fieldName} is not an integer";
            var type = dims is null ? spelling : spelling + string.Concat(dims.Select(d => d == Flexible ? "[]" : $"[{d}]"));
            fields.Add(new Field(fieldName, type, spelling, kind, dims, bits, offsetBits, (int)LibClang.clang_Type_getSizeOf(canonical)));
        }
        return null;
    }

    // The innermost element of an array type and its bounds (0 for an incomplete one), or the type itself and null.
    private static (CXType Element, List<int>? Dims) Element(CXType type)
    {
        List<int>? dims = null;
        var element = type;
        while (LibClang.clang_getCanonicalType(element).Kind is ConstantArray or IncompleteArray)
        {
            var canonical = LibClang.clang_getCanonicalType(element);
            // Spelt through the declared type while it is an array itself; a typedef of an array is spelt by its element.
            var declared = element.Kind is ConstantArray or IncompleteArray ? element : canonical;
            (dims ??= new()).Add(canonical.Kind == IncompleteArray ? Flexible : (int)LibClang.clang_getArraySize(canonical));
            element = LibClang.clang_getArrayElementType(declared);
        }
        return (element, dims);
    }

    // signed, unsigned, float or pointer for a canonical scalar type; null for anything else.
    private static string? ScalarKind(CXType canonical)
    {
        if (canonical.Kind == EnumType)
        {
            canonical = LibClang.clang_getCanonicalType(LibClang.clang_getEnumDeclIntegerType(LibClang.clang_getTypeDeclaration(canonical)));
        }
        return canonical.Kind switch
        {
            >= 3 and <= 12 => ScannedArg.Unsigned, // Bool, Char_U, UChar, Char16, Char32, UShort, UInt, ULong, ULongLong, UInt128
            >= 13 and <= 20 => ScannedArg.Signed,  // Char_S, SChar, WChar, Short, Int, Long, LongLong, Int128
            >= 21 and <= 23 => ScannedField.Float, // Float, Double, LongDouble
            Pointer or BlockPointer => ScannedArg.Pointer,
            _ => null,
        };
    }

    private static unsafe long Offset(CXType record, string field)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(field + "\0");
        fixed (byte* name = bytes) return LibClang.clang_Type_getOffsetOf(record, name);
    }

    /// <summary>
    /// A bit-field's place as the headers file writes it, from its offset in bits in allocation order (clang's,
    /// counting from the most significant bit of a byte where the ABI is big-endian): the first byte it touches, and
    /// its lowest bit in the integer made of the bytes it touches, read in the ABI's byte order.
    /// </summary>
    public static (int Offset, int Bit) BitPlace(long offsetBits, int width, bool bigEndian)
    {
        int first = (int)(offsetBits / 8), within = (int)(offsetBits % 8);
        int bytes = (within + width + 7) / 8;
        return (first, bigEndian ? bytes * 8 - within - width : within);
    }

    /// <summary>The same place read from a memory image in which only the bit-field's bits are set; null when they are not one run of bits in at most 8 bytes.</summary>
    public static (int Offset, int Bit, int Width)? BitPlace(byte[] image, bool bigEndian)
    {
        int first = Array.FindIndex(image, b => b != 0), last = Array.FindLastIndex(image, b => b != 0);
        if (first < 0 || last - first >= 8) return null;
        ulong value = 0;
        for (int i = 0; i <= last - first; i++)
        {
            int at = bigEndian ? first + i : last - i;
            value = (value << 8) | image[at];
        }
        int shift = System.Numerics.BitOperations.TrailingZeroCount(value);
        int width = System.Numerics.BitOperations.PopCount(value);
        if ((value >> shift) != (width == 64 ? ulong.MaxValue : (1UL << width) - 1)) return null;
        return (first, shift, width);
    }

    /// <summary>A parsed record laid out by clang for the ABI's own triple.</summary>
    public static ScannedStruct Scanned(Record record, bool bigEndian) => new(record.Name, record.Size, record.Align,
        record.Fields.Select(f =>
        {
            if (f.Bits == 0) return new ScannedField(f.Name, f.Type, (int)(f.OffsetBits / 8), f.Size, f.Kind, Count(f.Dims));
            var (offset, bit) = BitPlace(f.OffsetBits, f.Bits, bigEndian);
            return new ScannedField(f.Name, f.Type, offset, f.Size, f.Kind, null, f.Bits, bit);
        }).ToEquatableArray(), LocationInfo.FileStart(record.Name), record.Kind);

    /// <summary>An array's element count, every dimension's product (0 when flexible); null for no array.</summary>
    public static int? Count(List<int>? dims) => dims is null ? null : dims.Contains(Flexible) ? 0 : dims.Aggregate(1, (a, d) => a * d);
}
