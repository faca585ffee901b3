using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>Everything the emitter formats: value-equal, holding no Roslyn object.</summary>
/// <param name="Namespace">The generated code's namespace.</param>
/// <param name="Visibility">public or internal.</param>
/// <param name="Provenance">What the code was generated from, for the files' first comment.</param>
/// <param name="Kernel">The kernel version the headers of every ABI were scanned from (more than one, comma-separated, only while KXG010 says to re-scan).</param>
/// <param name="Abis">Every ABI, in the order of arches.yaml.</param>
/// <param name="Enums">The enums.</param>
/// <param name="Classes">The constant classes.</param>
/// <param name="Structs">The structs.</param>
/// <param name="Syscalls">The syscall stubs.</param>
/// <param name="Imports">The raw <c>syscall()</c> imports the syscalls call: one per register count, and per GC-transition choice.</param>
/// <param name="ErrnoClass">The class holding ENOSYS, which stubs answer where an ABI lacks a syscall.</param>
/// <param name="ConstantTables">The distinct per-ABI tables of class constants (full ABI table only), shared by ABIs that number alike.</param>
/// <param name="Arrays">The [InlineArray] types the structs' array fields use.</param>
/// <param name="LayoutAbi">The one ABI whose layouts the structs have, where the build names a RuntimeIdentifier; null for a portable build (every ABI .NET runs on).</param>
/// <param name="FieldNameTables">The distinct field name lists of the ABIs' struct layouts, each written once and shared by every ABI whose layout of a struct names the same fields.</param>
public sealed record BindingModel(
    string Namespace,
    string Visibility,
    string Provenance,
    string Kernel,
    EquatableArray<AbiModel> Abis,
    EquatableArray<EnumModel> Enums,
    EquatableArray<ConstantClassModel> Classes,
    EquatableArray<StructModel> Structs,
    EquatableArray<SyscallModel> Syscalls,
    EquatableArray<RawImportModel> Imports,
    string? ErrnoClass,
    EquatableArray<ConstantTableModel> ConstantTables,
    EquatableArray<ArrayTypeModel> Arrays = default,
    string? LayoutAbi = null,
    EquatableArray<FieldNamesModel> FieldNameTables = default)
{
    /// <summary>Whether a struct has bit-fields, whose properties need the generated bit-field helper.</summary>
    public bool HasBitFields => Structs.Any(s => s.BitFields.Count > 0);
}

/// <summary>A raw import of libc's <c>syscall()</c> with <paramref name="Arity"/> arguments after the number; a non-blocking one skips the GC transition.</summary>
public sealed record RawImportModel(int Arity, bool NonBlocking)
{
    /// <summary>Its method name: Syscall3, Syscall0NonBlocking.</summary>
    public string Name => "Syscall" + Arity.ToString(System.Globalization.CultureInfo.InvariantCulture) + (NonBlocking ? "NonBlocking" : "");
}

/// <summary>Which ABIs the generated table holds: the MSBuild property <c>KexecGenAbiTable</c>.</summary>
public enum AbiTableScope
{
    /// <summary>The ABIs .NET runs on (the default): what a process can use.</summary>
    DotNet,

    /// <summary>Every ABI of arches.yaml, each with its class constants (errno numbers…): for tools that compare ABIs.</summary>
    Full,
}

/// <summary>One ABI's class constants: every member of every class, with the value its headers give.</summary>
public sealed record ConstantTableModel(EquatableArray<AbiConstantModel> Constants);

/// <summary>A class constant's value on one ABI.</summary>
public sealed record AbiConstantModel(string Class, string Name, long Value);

/// <summary>One ABI as the table describes it; <paramref name="DotNet"/> is empty where .NET does not run, <paramref name="ConstantTable"/> the index of its constants in <see cref="BindingModel.ConstantTables"/> (-1: none).</summary>
public sealed record AbiModel(
    string Name,
    string Triple,
    EquatableArray<string> DotNet,
    int PointerSize,
    string? KexecArch,
    long? KexecArchValue,
    EquatableArray<AbiSyscallModel> Syscalls,
    EquatableArray<AbiStructModel> Structs,
    int ConstantTable);

/// <summary>A syscall's number on one ABI, null when the ABI lacks it.</summary>
public sealed record AbiSyscallModel(string Name, long? Number);

/// <summary>A struct's C layout on one ABI: its fields' names are <see cref="BindingModel.FieldNameTables"/>[<paramref name="FieldNames"/>], their offsets and sizes <paramref name="Places"/> (offset, size, offset, size, …).</summary>
public sealed record AbiStructModel(string Name, string CName, int Size, int Align, int FieldNames, EquatableArray<int> Places);

/// <summary>A struct's fields' names in one ABI's C layout, in order: C# name, C name, C# name, C name, ….</summary>
public sealed record FieldNamesModel(EquatableArray<string> Names);

/// <summary>A C# enum of constants that are equal on every ABI.</summary>
public sealed record EnumModel(string Name, string Type, bool Flags, string Doc, EquatableArray<EnumMemberModel> Members);

/// <summary>An enum member and the macro it comes from.</summary>
public sealed record EnumMemberModel(string Name, string CName, long Value, string Doc);

/// <summary>A static class of constants, with the value-to-name tables of its <c>NameOf</c>: one for every ABI, or one per distinct numbering among the .NET architectures.</summary>
public sealed record ConstantClassModel(
    string Name,
    string Doc,
    EquatableArray<ConstantModel> Members,
    EquatableArray<NamedValueModel> CommonNames,
    EquatableArray<ArchNamesModel> NamesByArch);

/// <summary>A value and the first name (in ordinal order) that has it.</summary>
public sealed record NamedValueModel(long Value, string Name);

/// <summary>The value-to-name table shared by the .NET architectures <paramref name="DotNets"/>.</summary>
public sealed record ArchNamesModel(EquatableArray<string> DotNets, EquatableArray<NamedValueModel> Names);

/// <summary>A constant: one value on every ABI (<paramref name="Common"/>), or a value per .NET architecture.</summary>
public sealed record ConstantModel(string Name, string Type, long? Common, EquatableArray<ArchValueModel> PerArch, string Doc);

/// <summary>A value on the ABI that runs as .NET architecture <paramref name="DotNet"/>; null where absent.</summary>
public sealed record ArchValueModel(string DotNet, long? Value);

/// <summary>A blittable struct whose layout was checked on every ABI the build runs on.</summary>
/// <param name="Name">The C# name.</param>
/// <param name="CName">The C record's name in the headers files.</param>
/// <param name="Doc">Its summary.</param>
/// <param name="Fields">The fields that take room, in order.</param>
/// <param name="Kind">"struct" or "union".</param>
/// <param name="Explicit">Whether it is laid out by <c>[FieldOffset]</c> (C's offsets, size and alignment) rather than sequentially by .NET.</param>
/// <param name="Size">C's size, for an explicit layout.</param>
/// <param name="Pack">C's alignment, for an explicit layout.</param>
/// <param name="BitFields">Bit-fields, as properties over the bytes they share.</param>
/// <param name="Flexible">Flexible array members, as methods over the memory that follows the struct.</param>
/// <param name="Held">Whether it is bound because a bound record holds it, not by name.</param>
/// <param name="ScopedTo">For a struct only some ABIs define (arches.yaml's <c>abis:</c>), the ABIs it is laid out as; else empty.</param>
public sealed record StructModel(string Name, string CName, string Doc, EquatableArray<FieldModel> Fields, string Kind = "struct", bool Explicit = false,
    int Size = 0, int Pack = 0, EquatableArray<BitFieldModel> BitFields = default, EquatableArray<FlexibleModel> Flexible = default, bool Held = false,
    string ScopedTo = "");

/// <summary>A struct field with its C# type, and its C offset (used by an explicit layout) and C type.</summary>
public sealed record FieldModel(string Name, string CName, string? Type, string Doc, int Offset = 0, string CType = "");

/// <summary>A bit-field: its C# type, and the bytes it lives in: <paramref name="Bytes"/> from <paramref name="Offset"/>, read in the ABI's byte order, bits <paramref name="Bit"/> up, <paramref name="Width"/> wide.</summary>
public sealed record BitFieldModel(string Name, string CName, string Type, string Doc, int Offset, int Bytes, int Bit, int Width, bool Signed, bool BigEndian)
{
    /// <summary>
    /// The integer type of the bytes it shares where there is one (1, 2, 4 or 8 bytes): the property reads a private
    /// field of that type at its offset, one load at a constant offset as for any field; null for 3, 5, 6 or 7 bytes,
    /// which are read byte by byte.
    /// </summary>
    public string? Storage => Bytes switch { 1 => "byte", 2 => "ushort", 4 => "uint", 8 => "ulong", _ => null };
}

/// <summary>A flexible array member: elements of <paramref name="ElementType"/> from <paramref name="Offset"/> on, as many as the caller's buffer holds.</summary>
public sealed record FlexibleModel(string Name, string CName, string ElementType, string Doc, int Offset);

/// <summary>An <c>[InlineArray]</c> type: <paramref name="Count"/> elements of <paramref name="ElementType"/>.</summary>
public sealed record ArrayTypeModel(string Name, string ElementType, int Count);

/// <summary>A syscall: typed wrapper, its number per .NET architecture, what each ABI passes, and whether it may skip the GC transition.</summary>
/// <param name="Name">The kernel's name.</param>
/// <param name="Method">The C# method.</param>
/// <param name="Doc">What it does.</param>
/// <param name="Args">The C# parameters.</param>
/// <param name="Numbers">The number each .NET architecture calls (a variant's where the ABI has only that), -1 where none.</param>
/// <param name="NonBlocking">Whether the stub skips the GC transition.</param>
/// <param name="Lowerings">The registers the stub passes, one entry per group of .NET architectures that pass the same.</param>
/// <param name="Calls">What every ABI of arches.yaml calls and passes: the table the tests render as C and check against the kernel.</param>
public sealed record SyscallModel(
    string Name,
    string Method,
    string Doc,
    EquatableArray<ArgModel> Args,
    EquatableArray<ArchValueModel> Numbers,
    bool NonBlocking,
    EquatableArray<LoweringModel> Lowerings,
    EquatableArray<AbiCallModel> Calls);

/// <summary>The registers that the .NET architectures <paramref name="DotNets"/> hand libc's <c>syscall()</c> after the number.</summary>
public sealed record LoweringModel(EquatableArray<string> DotNets, EquatableArray<RegisterModel> Registers, bool NonBlocking)
{
    /// <summary>The raw import it calls.</summary>
    public RawImportModel RawImport => new(Registers.Count, NonBlocking);
}

/// <summary>
/// One register of a syscall: an argument <see cref="Whole"/>, the <see cref="Low"/> or <see cref="High"/> 32 bits of a
/// 64-bit argument, or <see cref="Pad"/> (0, where a pair must start on an even register).
/// </summary>
/// <param name="Kind">Whole, low, high or pad.</param>
/// <param name="Arg">The C# parameter (escaped name); null for padding.</param>
/// <param name="Underlying">The integer type of an enum argument.</param>
/// <param name="Type">The parameter's C# type.</param>
public sealed record RegisterModel(string Kind, string? Arg, string? Underlying, string? Type)
{
    /// <summary>The argument in one register.</summary>
    public const string Whole = "whole";

    /// <summary>Bits 0..31 of a 64-bit argument.</summary>
    public const string Low = "low";

    /// <summary>Bits 32..63 of a 64-bit argument.</summary>
    public const string High = "high";

    /// <summary>A padding register, 0.</summary>
    public const string Pad = "pad";

    /// <summary>A padding register.</summary>
    public static readonly RegisterModel Padding = new(Pad, null, null, null);
}

/// <summary>What one ABI calls for a bound syscall: the kernel name (itself or a variant), its number and registers; no name where the ABI lacks it.</summary>
public sealed record AbiCallModel(string Abi, string? Called, long? Number, EquatableArray<RegisterModel> Registers);

/// <summary>An argument; <paramref name="Underlying"/> is the integer type of an enum argument, widened through it.</summary>
public sealed record ArgModel(string Name, string CName, string Type, string? Underlying, string Doc);

/// <summary>One generated source file.</summary>
public sealed record GeneratedFile(string HintName, string Text);

/// <summary>The rendered files, or none and the diagnostic that says why.</summary>
public sealed record RenderResult(EquatableArray<GeneratedFile> Files, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>Nothing rendered, nothing to say (the model had errors, reported with it).</summary>
    public static readonly RenderResult Empty = new(EquatableArray<GeneratedFile>.Empty, EquatableArray<DiagnosticInfo>.Empty);
}

/// <summary>The model, or none, and the diagnostics found building it.</summary>
public sealed record ModelResult(BindingModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
