namespace KexecGen.Config;

/// <summary>headers/&lt;abi&gt;.yaml: what the scanner read from one ABI's kernel headers.</summary>
/// <param name="Path">The file it was read from.</param>
/// <param name="Abi">The ABI's name in arches.yaml.</param>
/// <param name="Triple">The clang target triple it was parsed for.</param>
/// <param name="Kernel">The kernel version of the headers (linux/version.h).</param>
/// <param name="Compiler">The compiler that evaluated them, and its version.</param>
/// <param name="PointerSize">sizeof(void *) on the ABI.</param>
/// <param name="Scanned">The headers parsed, as arches.yaml listed them.</param>
/// <param name="Include">The include directories they were found in.</param>
/// <param name="Inputs">Every header file read, with its SHA-256.</param>
/// <param name="Syscalls">Each bound syscall's number; null when the ABI lacks it.</param>
/// <param name="Structs">Layouts of the bound structs.</param>
/// <param name="Constants">Every macro the constants rules selected, evaluated.</param>
/// <param name="ByteOrder">"little" or "big": the order of a 64-bit argument's halves where it takes two registers.</param>
/// <param name="Prototypes">The kernel's prototype of each bound syscall and variant, its argument widths as the ABI's compiler lays them out; absent where the kernel declares none, or more than one.</param>
/// <param name="FieldsRead">False where the reader was told to skip the structs' field lines (a build that neither lays out nor tables the ABI's structs needs only their names, sizes and alignments): every <see cref="ScannedStruct.Fields"/> is then empty.</param>
public sealed record ScannedAbi(
    string Path,
    string Abi,
    string Triple,
    string Kernel,
    string Compiler,
    int PointerSize,
    EquatableArray<string> Scanned,
    EquatableArray<string> Include,
    EquatableArray<InputFile> Inputs,
    EquatableArray<ScannedSyscall> Syscalls,
    EquatableArray<ScannedStruct> Structs,
    EquatableArray<ScannedConstant> Constants,
    string ByteOrder = "little",
    EquatableArray<ScannedPrototype> Prototypes = default,
    bool FieldsRead = true);

/// <summary>A header file the scan read: its path below an include directory and its SHA-256.</summary>
public sealed record InputFile(string Path, string Sha256)
{
    /// <summary>The SHA-256 of <paramref name="file"/> as the headers format records it: 64 lower-case hex digits.</summary>
    public static string Sha256Of(string file)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        var hash = sha.ComputeHash(System.IO.File.ReadAllBytes(file));
        var hex = new System.Text.StringBuilder(hash.Length * 2);
        foreach (byte b in hash) hex.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        return hex.ToString();
    }
}

/// <summary>A syscall's number from __NR_&lt;name&gt;, or null when the headers don't define it.</summary>
public sealed record ScannedSyscall(string Name, long? Number, LocationInfo Location);

/// <summary>A struct's or union's size, alignment and fields, as the C compiler lays it out for the ABI.</summary>
/// <param name="Name">Its tag; a record with no tag of its own is named for where it is declared: "bpf_attr.batch" (the type of bpf_attr's field batch).</param>
/// <param name="Size">sizeof.</param>
/// <param name="Align">_Alignof.</param>
/// <param name="Fields">Its fields in declaration order; the fields of an anonymous member (a struct or union with neither tag nor name) are its own, at their offsets in it.</param>
/// <param name="Location">Where it is in the headers file.</param>
/// <param name="Kind"><see cref="Struct"/> or <see cref="Union"/>.</param>
public sealed record ScannedStruct(string Name, int Size, int Align, EquatableArray<ScannedField> Fields, LocationInfo Location, string Kind = ScannedStruct.Struct)
{
    /// <summary>A C struct.</summary>
    public const string Struct = "struct";

    /// <summary>A C union: its fields overlap.</summary>
    public const string Union = "union";
}

/// <summary>A field: its C type as written, its place and its shape.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Type">Its C type as declared ("__u64[9]"); a struct or union field's type is "struct NAME" or "union NAME" after the record's name, arrays of them too.</param>
/// <param name="Offset">The byte offset in the record; for a bit-field, the first byte holding one of its bits.</param>
/// <param name="Size">sizeof the field; of one element for an array.</param>
/// <param name="Kind">What the field (an array's element) is: <see cref="ScannedArg.Signed"/>, <see cref="ScannedArg.Unsigned"/>, <see cref="ScannedArg.Pointer"/>, <see cref="Float"/> or <see cref="Record"/>.</param>
/// <param name="Count">For an array, its number of elements (every dimension's product); 0 for a flexible array member (<c>__u8 f_handle[]</c>), which takes no room. Null for anything else.</param>
/// <param name="Bits">For a bit-field, its width; else 0.</param>
/// <param name="Bit">For a bit-field: its lowest bit in the integer made of the bytes it touches, from <paramref name="Offset"/> on, read in the ABI's byte order.</param>
public readonly record struct ScannedField(string Name, string Type, int Offset, int Size, string Kind = ScannedArg.Unsigned, int? Count = null, int Bits = 0, int Bit = 0)
{
    /// <summary>A floating-point field.</summary>
    public const string Float = "float";

    /// <summary>A struct or union field.</summary>
    public const string Record = "record";

    /// <summary>The name of the record a <see cref="Record"/> field holds: its type without "struct "/"union " and array bounds.</summary>
    public string? RecordName => Kind != Record ? null : ElementType.Substring(ElementType.IndexOf(' ') + 1);

    /// <summary>The C type of one element: <see cref="Type"/> without its array bounds.</summary>
    public string ElementType => Count is null ? Type : Type.Substring(0, Type.IndexOf('[')).TrimEnd();

    /// <summary>The bytes the field takes: its size, times its count for an array.</summary>
    public int Bytes => Size * (Count ?? 1);
}

/// <summary>An evaluated macro and the header that defines it.</summary>
public sealed record ScannedConstant(string Name, long Value, string File, LocationInfo Location);

/// <summary>A syscall's prototype as the kernel declares it (<c>asmlinkage long sys_NAME(…)</c>), its argument widths on one ABI.</summary>
/// <param name="Name">The syscall's name.</param>
/// <param name="Source">Where the declaration is in the kernel source: "include/linux/syscalls.h:475".</param>
/// <param name="Args">Its arguments in order; none for <c>(void)</c>.</param>
/// <param name="Location">Where the entry is in the headers file.</param>
/// <param name="Entry">The entry point the ABI's syscall table routes the syscall to where it is not <c>sys_NAME</c> (powerpc's sys_ppc_pread64); else null.</param>
/// <param name="EntrySource">Where that entry point is declared or defined; "" where the kernel source does not show it once.</param>
/// <param name="EntryArgs">The entry point's arguments, which its registers follow.</param>
public sealed record ScannedPrototype(string Name, string Source, EquatableArray<ScannedArg> Args, LocationInfo Location,
    string? Entry = null, string EntrySource = "", EquatableArray<ScannedArg> EntryArgs = default)
{
    /// <summary>The entry point of a number the kernel does not implement (a table row without one gets it): it answers ENOSYS.</summary>
    public const string NotImplementedEntry = "sys_ni_syscall";
}

/// <summary>An argument of a kernel prototype: its name (arg1… where the kernel names none), C type without <c>__user</c>, width in bytes and kind.</summary>
/// <param name="Name">The parameter's name.</param>
/// <param name="Type">Its C type as declared, <c>__user</c> dropped.</param>
/// <param name="Size">sizeof on the ABI.</param>
/// <param name="Kind"><see cref="Signed"/>, <see cref="Unsigned"/> or <see cref="Pointer"/>.</param>
public sealed record ScannedArg(string Name, string Type, int Size, string Kind)
{
    /// <summary>A signed integer (or enum).</summary>
    public const string Signed = "signed";

    /// <summary>An unsigned integer.</summary>
    public const string Unsigned = "unsigned";

    /// <summary>A pointer (to user memory, or a function).</summary>
    public const string Pointer = "pointer";
}
