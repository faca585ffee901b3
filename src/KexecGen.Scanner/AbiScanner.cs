using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>What a compiler said about one ABI's headers, before it becomes a <see cref="ScannedAbi"/>.</summary>
/// <param name="Compiler">Which compiler answered, with its version.</param>
/// <param name="Macros">The selected object-like macros and the header defining each.</param>
/// <param name="Values">Each macro's value, for those that are integer constant expressions.</param>
/// <param name="PointerSize">sizeof(void *).</param>
/// <param name="Structs">The bound records' layouts, and those of the records they hold.</param>
/// <param name="InputFiles">Every header file read, by absolute path.</param>
/// <param name="StructProblems">Bound records the compiler's answer cannot describe (a vector field, a bit-field wider than 8 bytes' reach), and why.</param>
internal sealed record ProbeResult(
    string Compiler,
    List<(string Name, string File)> Macros,
    Dictionary<string, long> Values,
    int PointerSize,
    List<ScannedStruct> Structs,
    List<string> InputFiles,
    List<(string Name, string Why)> StructProblems);

/// <summary>A bound struct an ABI's scan could not lay out, and why: left out of its headers file, and said.</summary>
public sealed record UnscannedStruct(string Abi, string Name, string Why);

/// <summary>A selected macro that is no integer constant on an ABI (a string, a type, an expression the ABI cannot evaluate): left out, and said.</summary>
public sealed record UnevaluatedMacro(string Abi, string Name, string File);

/// <summary>Scans one ABI's kernel headers: macros evaluated, struct layouts, syscall numbers, input hashes.</summary>
public static class AbiScanner
{
    /// <summary>
    /// Scans <paramref name="abi"/> for <paramref name="bindings"/> with libclang, or with the ABI's cross gcc where
    /// arches.yaml says so (libclang has no target for alpha, parisc or sh). Throws <see cref="ScanException"/> when the
    /// answer would be untrustworthy.
    /// </summary>
    public static ScannedAbi Scan(AbiSpec abi, BindingsSpec bindings, KernelSpec kernel) => Scan(abi, bindings, kernel, new List<UnevaluatedMacro>(), new List<UnscannedStruct>());

    /// <summary>
    /// As <see cref="Scan(AbiSpec, BindingsSpec, KernelSpec)"/>, adding each selected macro that did not evaluate to
    /// <paramref name="unevaluated"/>, and each bound struct it could not lay out to <paramref name="unscanned"/>.
    /// </summary>
    public static ScannedAbi Scan(AbiSpec abi, BindingsSpec bindings, KernelSpec kernel, List<UnevaluatedMacro> unevaluated, List<UnscannedStruct> unscanned)
    {
        foreach (var dir in abi.Include.Where(d => !Directory.Exists(d)))
        {
            throw new ScanException($"ABI '{abi.Name}': include directory {dir} does not exist (make it: dotnet run --project src/KexecGen.Scanner -- requirements | .ci/install-uapi-headers, which runs make ARCH={abi.KernelArch} headers_install from {abi.Package})");
        }
        if (!Directory.Exists(kernel.SourceFolder))
        {
            throw new ScanException($"ABI '{abi.Name}': the kernel's prototype files are not in {kernel.SourceFolder} (make them: dotnet run --project src/KexecGen.Scanner -- requirements | .ci/install-uapi-headers)");
        }
        var probe = abi.Gcc is { Scans: true } gcc ? GccProbe.Run(abi, gcc, bindings) : ClangProbe.Run(abi, bindings);

        foreach (var wanted in bindings.StructsFor(abi.Name).Where(w => probe.Structs.All(s => s.Name != w.CName)))
        {
            var why = probe.StructProblems.FirstOrDefault(p => p.Name == wanted.CName).Why ?? $"it is not defined by {string.Join(", ", bindings.HeadersFor(abi.Name))}";
            unscanned.Add(new UnscannedStruct(abi.Name, wanted.CName, why));
        }
        // The selected macros (not the syscall numbers): each evaluated, or said not to be.
        var selected = probe.Macros.Where(m => !m.Name.StartsWith("__NR_", StringComparison.Ordinal)).ToLookup(m => probe.Values.ContainsKey(m.Name));
        unevaluated.AddRange(selected[false].Select(m => new UnevaluatedMacro(abi.Name, m.Name, m.File)));
        var constants = selected[true].Select(m => new ScannedConstant(m.Name, probe.Values[m.Name], m.File, LocationInfo.FileStart(m.File)));
        // The bound names, and the rows of the ABI's table that reach their generic entry points under another name.
        var bound = CalledNames(bindings).ToList();
        var aliases = abi.Table is { } table
            ? bound.SelectMany(name => PrototypeScanner.Aliases(kernel.SourceFolder, table, name)).Where(a => !bound.Contains(a)).Distinct().OrderBy(a => a, StringComparer.Ordinal).ToList()
            : new List<string>();
        var called = bound.Concat(aliases.Where(a => probe.Values.ContainsKey("__NR_" + a))).ToList();
        var syscalls = called
            .Select(name => new ScannedSyscall(name, probe.Values.TryGetValue("__NR_" + name, out long n) ? n : null, LocationInfo.FileStart("")));
        var (prototypes, byteOrder) = PrototypeScanner.Scan(abi, kernel.SourceFolder, called, Includes(bindings, abi),
            abi.Gcc is { Scans: true } g ? p => GccProbe.Answer(abi, g, p) : p => ClangProbe.Answer(abi, p));

        return new ScannedAbi(
            Path.Combine(ScannedAbiFormat.Folder, abi.Name + ".yaml"),
            abi.Name, abi.Triple, KernelVersion(abi, probe.Values), probe.Compiler, probe.PointerSize,
            bindings.HeadersFor(abi.Name), abi.Include,
            probe.InputFiles.Distinct().Select(f => new InputFile(Relative(abi, f), InputFile.Sha256Of(f))).OrderBy(i => i.Path, StringComparer.Ordinal).ToEquatableArray(),
            syscalls.ToEquatableArray(),
            probe.Structs.OrderBy(s => s.Name, StringComparer.Ordinal).ToEquatableArray(),
            constants.OrderBy(c => c.Name, StringComparer.Ordinal).ToEquatableArray(),
            byteOrder,
            prototypes.OrderBy(p => p.Name, StringComparer.Ordinal).ToEquatableArray());
    }

    /// <summary>Every kernel name a stub may call: each bound syscall and its variants.</summary>
    internal static IEnumerable<string> CalledNames(BindingsSpec bindings) =>
        bindings.Syscalls.SelectMany(s => new[] { s.Name }.Concat(s.Variants)).Distinct();

    /// <summary>
    /// Whether a macro is one the bindings need: a selected constant, or a syscall number (any: a bound syscall's row
    /// may be answered by another row of the table, whose number the scan then records).
    /// </summary>
    internal static bool Wanted(BindingsSpec bindings, string name, string relativeFile) =>
        name.StartsWith("__NR_", StringComparison.Ordinal) || bindings.Constants.Any(rule => rule.Matches(name, relativeFile));

    /// <summary>The source that includes the bound headers the ABI has.</summary>
    internal static string Includes(BindingsSpec bindings, AbiSpec abi) => string.Concat(bindings.HeadersFor(abi.Name).Select(h => $"#include <{h}>\n"));

    /// <summary>
    /// What the value questions add after the bound headers: the userspace size_t, which ioctl numbers name
    /// (_IOR(0x12, 114, size_t)); on every Linux ABI it is the kernel's __kernel_size_t.
    /// </summary>
    internal const string ValueTypes = "#include <linux/types.h>\ntypedef __kernel_size_t size_t;\n";

    // "6.1.187" from linux/version.h, which every uapi header set has.
    private static string KernelVersion(AbiSpec abi, Dictionary<string, long> values)
    {
        if (values.TryGetValue("LINUX_VERSION_MAJOR", out long major) && values.TryGetValue("LINUX_VERSION_PATCHLEVEL", out long patch)
            && values.TryGetValue("LINUX_VERSION_SUBLEVEL", out long sub))
        {
            return $"{major}.{patch}.{sub}";
        }
        if (values.TryGetValue("LINUX_VERSION_CODE", out long code)) return $"{code >> 16}.{(code >> 8) & 0xff}.{code & 0xff}";
        throw new ScanException($"ABI '{abi.Name}': no kernel version (list linux/version.h in bindings.headers and LINUX_VERSION_ in bindings.constants)");
    }

    /// <summary>A header's path below the include directory it was found in, the same on every machine.</summary>
    internal static string Relative(AbiSpec abi, string file)
    {
        foreach (var dir in abi.Include)
        {
            var root = dir.TrimEnd('/') + "/";
            if (file.StartsWith(root, StringComparison.Ordinal)) return file.Substring(root.Length);
        }
        return file;
    }
}
