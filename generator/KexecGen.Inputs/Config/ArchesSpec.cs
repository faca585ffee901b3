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
    LocationInfo Location)
{
    /// <summary>Whether .NET runs as <paramref name="architecture"/> on this ABI.</summary>
    public bool RunsAs(string architecture) => System.Linq.Enumerable.Contains(DotNet, architecture);
}

/// <summary>A cross C compiler: its command, its Debian package, flags selecting the ABI (-mabi=n32), and whether it, not libclang, scans the ABI.</summary>
public sealed record GccSpec(string Command, string Package, EquatableArray<string> Flags, bool Scans);

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
    EquatableArray<DocEntry> Docs);

/// <summary>Scan every object-like macro starting with <paramref name="Prefix"/>, defined in a file whose path contains <paramref name="DefinedIn"/> if given.</summary>
public sealed record ConstantRule(string Prefix, string? DefinedIn)
{
    /// <summary>Whether a macro named <paramref name="name"/> defined in <paramref name="file"/> falls under this rule.</summary>
    public bool Matches(string name, string file) =>
        name.StartsWith(Prefix, System.StringComparison.Ordinal)
        && (DefinedIn is null || file.IndexOf(DefinedIn, System.StringComparison.Ordinal) >= 0);
}

/// <summary>A C type, as written in a header, and the C# type standing for it.</summary>
public sealed record TypeMapping(string CType, string CSharpType);

/// <summary>A C struct to emit as a blittable C# struct.</summary>
public sealed record StructSpec(string CName, string Name, string Doc, EquatableArray<FieldSpec> Fields, LocationInfo Location);

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
public sealed record ClassSpec(string Name, string? Prefix, string? DefinedIn, EquatableArray<string> Members, string Doc, LocationInfo Location);

/// <summary>A syscall to bind: its kernel name, the C# method name and typed arguments.</summary>
/// <param name="Name">The kernel's name (its __NR_ macro without the prefix).</param>
/// <param name="Method">The C# method's name.</param>
/// <param name="Doc">What it does.</param>
/// <param name="Args">Its arguments, in order.</param>
/// <param name="NonBlocking">
/// The syscall never blocks and returns at once (getppid, gettid), so its stub may skip the GC transition
/// (<c>[SuppressGCTransition]</c>). Wrong for any call that can sleep, wait or take long: the GC would be held off.
/// </param>
/// <param name="Location">Where the entry is in arches.yaml.</param>
public sealed record SyscallSpec(string Name, string Method, string Doc, EquatableArray<ArgSpec> Args, bool NonBlocking, LocationInfo Location);

/// <summary>One syscall argument, passed to the kernel widened to a full register.</summary>
public sealed record ArgSpec(string Name, string Type, string Doc);

/// <summary>What a constant means, for its XML doc comment.</summary>
public sealed record DocEntry(string Name, string Text);
