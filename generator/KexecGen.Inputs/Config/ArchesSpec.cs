using System.Linq;
namespace KexecGen.Config;

/// <summary>arches.yaml: the kernel the headers come from, the ABIs, and the bindings generated for each of them.</summary>
public sealed record ArchesSpec(string Path, KernelSpec Kernel, EquatableArray<AbiSpec> Abis, BindingsSpec Bindings);

/// <summary>
/// The one kernel every ABI's uapi headers come from: a pinned Debian source package, made with
/// <c>make ARCH=… headers_install</c> into <c>Uapi/Version/ARCH</c> (.ci/install-uapi-headers).
/// </summary>
/// <param name="Package">The source package, pinned: <c>linux-source-6.12=6.12.117-1~deb12u1</c>.</param>
/// <param name="Version">The pinned version, the part after '='.</param>
/// <param name="Uapi">The folder the headers are made under.</param>
/// <param name="Location">Where the entry is in arches.yaml.</param>
public sealed record KernelSpec(string Package, string Version, string Uapi, LocationInfo Location)
{
    /// <summary>The include directory of the headers made for the kernel's <paramref name="kernelArch"/>.</summary>
    public string IncludeOf(string kernelArch) => $"{Uapi}/{Version}/{kernelArch}/include";

    /// <summary>The kernel source files the prototypes of syscalls are read from (include/linux/syscalls.h, arch/*/include/asm/syscalls.h).</summary>
    public string SourceFolder => $"{Uapi}/{Version}/source";

    /// <summary>Whether headers whose linux/version.h says <paramref name="kernel"/> (6.12.117) are this package's: its upstream version.</summary>
    public bool Describes(string kernel) =>
        Version == kernel || (Version.StartsWith(kernel, System.StringComparison.Ordinal) && Version[kernel.Length] is '-' or '+' or '~');
}

/// <summary>One Linux ABI: how to scan its headers and how it runs under .NET.</summary>
/// <param name="Name">Short unique name, also the name of its file under headers/.</param>
/// <param name="Triple">The clang target triple its headers are parsed for.</param>
/// <param name="DotNet">The <c>System.Runtime.InteropServices.Architecture</c> values it runs as; empty where .NET does not run.</param>
/// <param name="KexecArch">The KEXEC_ARCH_* macro naming this ABI's images, where the bindings include kexec; else null.</param>
/// <param name="Package">The kernel source package its headers are made from (<see cref="KernelSpec.Package"/>).</param>
/// <param name="KernelArch">The kernel's ARCH for this ABI's <c>make ARCH=… headers_install</c> (x86, arm64, mips…).</param>
/// <param name="Include">Include directories, searched in order: the headers made for <paramref name="KernelArch"/>.</param>
/// <param name="Syscalls">The hand-kept syscall numbers, checked against the headers.</param>
/// <param name="Flags">Extra compiler flags that select the ABI within its triple (arm's OABI: -mabi=apcs-gnu).</param>
/// <param name="Gcc">A cross gcc for the triple, when there is one: it cross-checks the scan, or does it where libclang has no backend.</param>
/// <param name="Args64">How the ABI passes a 64-bit syscall argument; null where arches.yaml does not say (such an argument is then refused).</param>
/// <param name="Table">The kernel's syscall table for the ABI, where arches.yaml names it: which entry point each syscall reaches.</param>
/// <param name="Location">Where the entry starts in arches.yaml.</param>
public sealed record AbiSpec(
    string Name,
    string Triple,
    EquatableArray<string> DotNet,
    string? KexecArch,
    string Package,
    string KernelArch,
    EquatableArray<string> Include,
    EquatableArray<string> Flags,
    GccSpec? Gcc,
    EquatableArray<SyscallNumberSpec> Syscalls,
    LocationInfo Location,
    Args64Spec? Args64 = null,
    TableSpec? Table = null)
{
    /// <summary>Whether .NET runs as <paramref name="architecture"/> on this ABI.</summary>
    public bool RunsAs(string architecture) => System.Linq.Enumerable.Contains(DotNet, architecture);
}

/// <summary>A cross C compiler: its command, its Debian package, flags selecting the ABI (-mabi=n32), and whether it, not libclang, scans the ABI.</summary>
/// <param name="Command">The compiler's command.</param>
/// <param name="Package">Its Debian package.</param>
/// <param name="Flags">Flags selecting the ABI.</param>
/// <param name="Scans">Whether it, not libclang, scans the ABI.</param>
/// <param name="Libc">The Debian package of the C library it compiles and links against (headers, libc.a), for the tests' C programs; null where none is served.</param>
/// <param name="Run">How this machine runs a program it links: "native", or a qemu-user command; null where it cannot.</param>
public sealed record GccSpec(string Command, string Package, EquatableArray<string> Flags, bool Scans, string? Libc = null, string? Run = null);

/// <summary>How a 64-bit syscall argument reaches the kernel on an ABI: arches.yaml's <c>args64</c>, checked against glibc's statement of it.</summary>
/// <param name="Pass">
/// <see cref="Register"/>: whole, in one register (64-bit registers: every 64-bit ABI, x32, MIPS n32);
/// <see cref="Pair"/>: in two consecutive registers; <see cref="AlignedPair"/>: in two registers starting on an even one,
/// a padding register before it where needed. A pair's halves come in the ABI's byte order (low first on little-endian).
/// </param>
/// <param name="Padded">Syscalls whose 64-bit argument follows a padding register even where the pairs are not aligned (SuperH's pread64 and pwrite64; glibc's __ASSUME_PRW_DUMMY_ARG).</param>
/// <param name="Glibc">The folder under glibc's sysdeps/unix/sysv/linux whose kernel-features.h states the ABI's rule, for the check; null where glibc has none.</param>
/// <param name="Location">Where the entry is in arches.yaml.</param>
public sealed record Args64Spec(string Pass, EquatableArray<string> Padded, string? Glibc, LocationInfo Location)
{
    /// <summary>One 64-bit register.</summary>
    public const string Register = "register";

    /// <summary>Two consecutive registers.</summary>
    public const string Pair = "pair";

    /// <summary>Two registers, the first even-numbered.</summary>
    public const string AlignedPair = "aligned-pair";

    /// <summary>The values <see cref="Pass"/> may take.</summary>
    public static readonly string[] Passes = { Register, Pair, AlignedPair };
}

/// <summary>The kernel's syscall table of an ABI: a file below the kernel source and the ABI columns that apply (arch/&lt;ARCH&gt;/kernel/Makefile.syscalls).</summary>
/// <param name="File">The table file, below the kernel source.</param>
/// <param name="Abis">The ABI columns that apply.</param>
/// <param name="Config">
/// The configuration symbols (Kconfig names, without CONFIG_) set in the kernel that runs this table, of those the
/// kernel's prototype files test: 64BIT or 32BIT, and the arch's own (X86_64, PPC32). A declaration under a
/// conditional that is false for them is code the ABI's kernel does not compile. Empty: 64BIT or 32BIT from the ABI's
/// pointer size.
/// </param>
/// <param name="Unset">Symbols another ABI of the same kernel arch sets and this one's kernel does not: decided false here.</param>
public sealed record TableSpec(string File, EquatableArray<string> Abis, EquatableArray<string> Config = default, EquatableArray<string> Unset = default);

/// <summary>A syscall number as arches.yaml states it; null when the ABI lacks the syscall.</summary>
public sealed record SyscallNumberSpec(string Name, long? Number, LocationInfo Location);

/// <summary>What to scan and what to generate: the same for every ABI.</summary>
public sealed record BindingsSpec(
    string Namespace,
    string Visibility,
    EquatableArray<string> Headers,
    EquatableArray<ConstantRule> Constants,
    EquatableArray<TypeMapping> Types,
    EquatableArray<StructSpec> Structs,
    EquatableArray<EnumSpec> Enums,
    EquatableArray<ClassSpec> Classes,
    EquatableArray<SyscallSpec> Syscalls,
    EquatableArray<DocEntry> Docs,
    EquatableArray<HeaderScope> HeaderScopes = default)
{
    /// <summary>The headers parsed for <paramref name="abi"/>, in order: every header but those scoped to other ABIs.</summary>
    public EquatableArray<string> HeadersFor(string abi) =>
        Headers.Where(h => HeaderScopes.FirstOrDefault(s => s.Header == h) is not { } scope || scope.Abis.Contains(abi)).ToEquatableArray();

    /// <summary>The bound structs an ABI's headers define: every struct but those scoped to other ABIs.</summary>
    public System.Collections.Generic.IEnumerable<StructSpec> StructsFor(string abi) => Structs.Where(s => s.Abis.Count == 0 || s.Abis.Contains(abi));
}

/// <summary>A header only some ABIs have (<c>asm/bootparam.h</c>: x86), parsed for those alone.</summary>
public sealed record HeaderScope(string Header, EquatableArray<string> Abis, LocationInfo? Location = null);

/// <summary>Scan every object-like macro starting with <paramref name="Prefix"/>, defined in a file whose path contains <paramref name="DefinedIn"/> if given.</summary>
public sealed record ConstantRule(string Prefix, string? DefinedIn, LocationInfo? Location = null)
{
    /// <summary>Whether a macro named <paramref name="name"/> defined in <paramref name="file"/> falls under this rule.</summary>
    public bool Matches(string name, string file) =>
        name.StartsWith(Prefix, System.StringComparison.Ordinal)
        && (DefinedIn is null || file.IndexOf(DefinedIn, System.StringComparison.Ordinal) >= 0);
}

/// <summary>A C type, as written in a header, and the C# type standing for it.</summary>
public sealed record TypeMapping(string CType, string CSharpType);

/// <summary>A C struct or union to emit as a blittable C# struct; <paramref name="Abis"/>, when given, the only ABIs whose headers define it (it is laid out as theirs wherever it is used: a boot protocol's or a file format's bytes).</summary>
public sealed record StructSpec(string CName, string Name, string Doc, EquatableArray<FieldSpec> Fields, LocationInfo Location, EquatableArray<string> Abis = default);

/// <summary>A field of a struct: its C name, its C# name and what it means.</summary>
public sealed record FieldSpec(string CName, string Name, string Doc);

/// <summary>A C# enum made of scanned constants: named <paramref name="Members"/>, or every constant starting with <paramref name="Prefix"/> but the excluded.</summary>
public sealed record EnumSpec(
    string Name,
    string Type,
    bool Flags,
    string? Prefix,
    string? Strip,
    EquatableArray<string> Members,
    EquatableArray<string> Exclude,
    EquatableArray<Rename> Names,
    string Doc,
    LocationInfo Location);

/// <summary>A C# name given by hand where the one derived from the C name would not do (KEXEC_ARCH_386 → I386).</summary>
public sealed record Rename(string CName, string Name);

/// <summary>A static class of constants, chosen like an enum's members; a value that differs per ABI becomes a run-time property.</summary>
public sealed record ClassSpec(string Name, string? Prefix, string? DefinedIn, EquatableArray<string> Members, string Doc, LocationInfo Location, string? Type = null);

/// <summary>A syscall to bind: its kernel name, the C# method name and its arguments, typed by hand or taken from the kernel's prototype.</summary>
/// <param name="Name">The kernel's name (its __NR_ macro without the prefix).</param>
/// <param name="Method">The C# method's name.</param>
/// <param name="Doc">What it does.</param>
/// <param name="Args">Its arguments as arches.yaml gives them, in order; empty with <paramref name="ArgsGiven"/> false: all from the kernel's prototype.</param>
/// <param name="NonBlocking">
/// The syscall never blocks and returns at once (getppid, gettid), so its stub may skip the GC transition
/// (<c>[SuppressGCTransition]</c>). Wrong for any call that can sleep, wait or take long: the GC would be held off.
/// </param>
/// <param name="Location">Where the entry is in arches.yaml.</param>
/// <param name="ArgsGiven">Whether arches.yaml lists the arguments (each checked against the kernel's prototype) or leaves them to the prototype.</param>
/// <param name="Variants">
/// Other kernel names of the same call, tried in order on an ABI that lacks <paramref name="Name"/> (arm and powerpc
/// have sync_file_range2 for sync_file_range); the variant's arguments are matched to these by name.
/// </param>
public sealed record SyscallSpec(string Name, string Method, string Doc, EquatableArray<ArgSpec> Args, bool NonBlocking, LocationInfo Location,
    bool ArgsGiven = true, EquatableArray<string> Variants = default);

/// <summary>One syscall argument: its kernel name, its C# type (null: from the kernel's prototype) and what it means.</summary>
public sealed record ArgSpec(string Name, string? Type, string Doc, LocationInfo? Location = null);

/// <summary>What a constant means, for its XML doc comment.</summary>
public sealed record DocEntry(string Name, string Text);
