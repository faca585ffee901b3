using System.Collections.Generic;
using System.Linq;
using YamlDotNet.RepresentationModel;

namespace KexecGen.Config;

/// <summary>Parses arches.yaml into an <see cref="ArchesSpec"/>, reporting every schema problem with its place.</summary>
public static class ArchesParser
{
    /// <summary>The file name the generator and the scanner look for.</summary>
    public const string FileName = "arches.yaml";

    /// <summary>Parses <paramref name="text"/>, read from <paramref name="path"/>.</summary>
    public static Parsed<ArchesSpec> Parse(string path, string text)
    {
        var reader = new YamlReader(path);
        var root = reader.AsMap(reader.Load(text), "the document");
        ArchesSpec? spec = null;
        if (root is not null)
        {
            reader.OnlyKeys(root, "arches.yaml", "kernel", "abis", "bindings");
            var kernel = ParseKernel(reader, root);
            var abis = reader.Sequence(root, "abis", "arches.yaml").Select(n => ParseAbi(reader, n, kernel)).Where(a => a is not null).Select(a => a!).ToList();
            CheckUniqueNames(reader, root, abis);
            abis = WithUnsetConfig(abis);
            var bindings = ParseBindings(reader, reader.AsMap(reader.Get(root, "bindings"), "'bindings'"), root);
            if (bindings is not null) CheckScopedAbis(reader, bindings, abis);
            if (bindings is not null && kernel is not null) spec = new ArchesSpec(path, kernel, abis.ToEquatableArray(), bindings);
        }
        return new Parsed<ArchesSpec>(Diagnose.HasErrors(reader.Diagnostics) ? null : spec, reader.Diagnostics.ToEquatableArray());
    }

    /// <summary>Reads and parses the file at <paramref name="path"/>; one longer than <see cref="InputBounds.FileLength"/> is refused (KXG019) unread.</summary>
    public static Parsed<ArchesSpec> ParseFile(string path) =>
        InputBounds.ReadFile(path, out var refused) is { } text ? Parse(path, text) : new Parsed<ArchesSpec>(null, new[] { refused! }.ToEquatableArray());

    /// <summary>Where the uapi headers are made when arches.yaml does not say.</summary>
    public const string DefaultUapiRoot = "/opt/kexecgen/uapi";

    private static KernelSpec? ParseKernel(YamlReader reader, YamlMappingNode root)
    {
        var map = reader.AsMap(reader.Get(root, "kernel"), "'kernel'");
        if (map is null)
        {
            reader.Error(root, "arches.yaml has no 'kernel' (the pinned kernel source package every ABI's headers are made from)");
            return null;
        }
        reader.OnlyKeys(map, "'kernel'", "package", "uapi");
        var package = reader.String(map, "package", "'kernel'");
        if (package is null) return null;
        int pin = package.IndexOf('=');
        if (pin <= 0 || pin == package.Length - 1 || package.IndexOfAny(new[] { ' ', '/' }) >= 0)
        {
            reader.Error(reader.Get(map, "package")!, $"kernel package '{package}' is not pinned as NAME=VERSION (linux-source-6.12=6.12.117-1~deb12u1): the version scanned must be the one installed");
            return null;
        }
        var uapi = reader.String(map, "uapi", "'kernel'", required: false) ?? DefaultUapiRoot;
        return new KernelSpec(package, package.Substring(pin + 1), uapi.TrimEnd('/'), reader.At(map));
    }

    private static AbiSpec? ParseAbi(YamlReader reader, YamlNode node, KernelSpec? kernel)
    {
        var map = reader.AsMap(node, "an ABI entry");
        if (map is null) return null;
        reader.OnlyKeys(map, "an ABI entry", "name", "triple", "flags", "dotnet", "kexec_arch", "kernel_arch", "gcc", "syscalls", "args64", "table");
        var name = reader.String(map, "name", "an ABI entry");
        var what = $"ABI '{name}'";
        var triple = reader.String(map, "triple", what);
        var dotnet = reader.OneOrMany(map, "dotnet", what);
        foreach (var arch in dotnet.Where(d => System.Array.IndexOf(KnownArchitectures, d) < 0))
        {
            reader.Error(reader.Get(map, "dotnet")!, $"'{arch}' is not a .NET Architecture (one of: {string.Join(", ", KnownArchitectures)}; omit the key when .NET does not run on the ABI)");
        }
        var kexecArch = reader.String(map, "kexec_arch", what, required: false);
        var kernelArch = reader.String(map, "kernel_arch", what);
        if (kernelArch is not null && !IsKernelArch(kernelArch))
        {
            reader.Error(reader.Get(map, "kernel_arch")!, $"kernel_arch '{kernelArch}' is not a directory name under the kernel's arch/ (x86, arm64, mips, …)");
            kernelArch = null;
        }
        GccSpec? gcc = null;
        var gccMap = reader.AsMap(reader.Get(map, "gcc"), $"'gcc' of {what}");
        if (gccMap is not null)
        {
            reader.OnlyKeys(gccMap, $"'gcc' of {what}", "command", "package", "flags", "scans", "libc", "run");
            var command = reader.String(gccMap, "command", $"'gcc' of {what}");
            var gccPackage = reader.String(gccMap, "package", $"'gcc' of {what}");
            if (command is not null && gccPackage is not null)
            {
                gcc = new GccSpec(command, gccPackage, reader.Strings(gccMap, "flags", $"'gcc' of {what}").ToEquatableArray(), reader.Bool(gccMap, "scans", $"'gcc' of {what}"),
                    reader.String(gccMap, "libc", $"'gcc' of {what}", required: false), reader.String(gccMap, "run", $"'gcc' of {what}", required: false));
            }
        }
        // Optional: the scanned headers are the truth; a number written here is a cross-check of what a person expects.
        var syscalls = new List<SyscallNumberSpec>();
        foreach (var (key, value) in reader.Pairs(map, "syscalls", what, required: false))
        {
            var number = reader.Integer(value, $"syscall number of '{key.Value}' for {what}", out bool ok);
            if (ok) syscalls.Add(new SyscallNumberSpec(key.Value!, number, reader.At(value)));
        }
        var args64 = ParseArgs64(reader, map, what);
        TableSpec? table = null;
        if (reader.AsMap(reader.Get(map, "table"), $"'table' of {what}") is { } tableMap)
        {
            reader.OnlyKeys(tableMap, $"'table' of {what}", "file", "abis", "config");
            var file = reader.String(tableMap, "file", $"'table' of {what}");
            if (file is not null && (file.StartsWith("/", System.StringComparison.Ordinal) || file.Contains("..")))
            {
                reader.Error(reader.Get(tableMap, "file")!, $"table file '{file}' of {what} must be a path below the kernel source");
                file = null;
            }
            var config = reader.Strings(tableMap, "config", $"'table' of {what}");
            foreach (var symbol in config.Where(c => c.StartsWith("CONFIG_", System.StringComparison.Ordinal) || c.Length == 0 || !c.All(ch => ch is (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_')))
            {
                reader.Error(reader.Get(tableMap, "config")!, $"config symbol '{symbol}' of {what} is not a Kconfig name as the kernel's Kconfig writes it (64BIT, X86_64: upper case, without CONFIG_)");
            }
            if (config.Contains("64BIT") && config.Contains("32BIT"))
            {
                reader.Error(reader.Get(tableMap, "config")!, $"the config of {what} sets both 64BIT and 32BIT; a kernel is one or the other");
            }
            if (file is not null) table = new TableSpec(file, reader.Strings(tableMap, "abis", $"'table' of {what}", required: true).ToEquatableArray(), config.ToEquatableArray());
        }
        if (name is null || triple is null || kernelArch is null) return null;
        // Without a kernel the file has an error already: the ABI is still counted and checked.
        var include = kernel is null ? EquatableArray<string>.Empty : new[] { kernel.IncludeOf(kernelArch) }.ToEquatableArray();
        return new AbiSpec(name, triple, dotnet.ToEquatableArray(), kexecArch, kernel?.Package ?? "", kernelArch, include,
            reader.Strings(map, "flags", what).ToEquatableArray(), gcc,
            syscalls.OrderBy(s => s.Name, System.StringComparer.Ordinal).ToEquatableArray(), reader.At(map), args64, table);
    }

    // A symbol one ABI's kernel sets (X86_64) is decided false for the others of its kernel arch (i386's kernel).
    private static List<AbiSpec> WithUnsetConfig(List<AbiSpec> abis) => abis.Select(abi => abi.Table is not { } table ? abi : abi with
    {
        Table = table with
        {
            Unset = abis.Where(a => a.KernelArch == abi.KernelArch && a.Table is not null).SelectMany(a => a.Table!.Config)
                .Where(c => !table.Config.Contains(c)).Distinct().OrderBy(c => c, System.StringComparer.Ordinal).ToEquatableArray(),
        },
    }).ToList();

    // args64: a word (pair), or { pass: aligned-pair, padded: [...], glibc: arm }.
    private static Args64Spec? ParseArgs64(YamlReader reader, YamlMappingNode abi, string what)
    {
        var node = reader.Get(abi, "args64");
        if (node is null) return null;
        string? pass;
        var padded = new List<string>();
        string? glibc = null;
        if (node is YamlScalarNode scalar)
        {
            pass = scalar.Value;
        }
        else
        {
            var map = reader.AsMap(node, $"'args64' of {what}");
            if (map is null) return null;
            reader.OnlyKeys(map, $"'args64' of {what}", "pass", "padded", "glibc");
            pass = reader.String(map, "pass", $"'args64' of {what}");
            padded = reader.Strings(map, "padded", $"'args64' of {what}");
            glibc = reader.String(map, "glibc", $"'args64' of {what}", required: false);
        }
        if (pass is null) return null;
        if (System.Array.IndexOf(Args64Spec.Passes, pass) < 0)
        {
            reader.Error(node, $"args64 '{pass}' of {what} is not one of: {string.Join(", ", Args64Spec.Passes)} (how a 64-bit syscall argument is passed: docs/arches.md)");
            return null;
        }
        return new Args64Spec(pass, padded.ToEquatableArray(), glibc, reader.At(node));
    }

    // The kernel's ARCH names are lower-case directory names; anything else would make a path of its own.
    private static bool IsKernelArch(string arch) => arch.Length > 0 && arch.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_');

    /// <summary>The values of .NET's <c>Architecture</c> enum that a Linux ABI can run as.</summary>
    public static readonly string[] KnownArchitectures =
        { "X86", "X64", "Arm", "Arm64", "Armv6", "S390x", "LoongArch64", "Ppc64le", "RiscV64" };

    private static void CheckUniqueNames(YamlReader reader, YamlMappingNode root, List<AbiSpec> abis)
    {
        var seen = new HashSet<string>();
        foreach (var abi in abis)
        {
            if (!seen.Add(abi.Name))
            {
                reader.Diagnostics.Add(Diagnose.Schema(abi.Location, $"ABI '{abi.Name}' is listed twice"));
            }
        }
        if (abis.Count == 0) reader.Error(root, "arches.yaml lists no ABI");
    }

    private static BindingsSpec? ParseBindings(YamlReader reader, YamlMappingNode? map, YamlMappingNode root)
    {
        if (map is null)
        {
            reader.Error(root, "arches.yaml has no 'bindings'");
            return null;
        }
        const string what = "'bindings'";
        reader.OnlyKeys(map, what, "namespace", "visibility", "headers", "constants", "types", "structs", "enums", "classes", "syscalls", "docs");
        var ns = reader.String(map, "namespace", what) ?? "";
        if (reader.Get(map, "namespace") is { } nsNode && ns.Split('.').Any(part => !CSharpNames.IsIdentifier(part)))
        {
            reader.Error(nsNode, $"namespace '{ns}' is not a dotted C# name");
        }
        var visibility = reader.String(map, "visibility", what, required: false) ?? "internal";
        if (visibility is not ("public" or "internal"))
        {
            reader.Error(reader.Get(map, "visibility")!, $"visibility must be public or internal, not '{visibility}'");
        }
        // A header is a path, or { header: asm/bootparam.h, abis: [x86_64, x32, i386] } for one only those ABIs have.
        var headers = new List<string>();
        var scopes = new List<HeaderScope>();
        foreach (var node in reader.Sequence(map, "headers", what))
        {
            if (node is YamlScalarNode scalar && !string.IsNullOrEmpty(scalar.Value)) headers.Add(scalar.Value!);
            else if (reader.AsMap(node, "a header (a path, or { header, abis })") is { } scoped)
            {
                reader.OnlyKeys(scoped, "a header", "header", "abis");
                if (reader.String(scoped, "header", "a header") is not { } header) continue;
                headers.Add(header);
                scopes.Add(new HeaderScope(header, reader.Strings(scoped, "abis", $"header '{header}'", required: true).ToEquatableArray(), reader.At(scoped)));
            }
        }
        var constants = reader.Sequence(map, "constants", what).Select(n => ParseConstantRule(reader, n)).Where(r => r is not null).Select(r => r!);
        var types = reader.Pairs(map, "types", what, required: false).Select(p => new TypeMapping(p.Key.Value!, (p.Value as YamlScalarNode)?.Value ?? ""));
        var structs = reader.Sequence(map, "structs", what, required: false).Select(n => ParseStruct(reader, n)).Where(s => s is not null).Select(s => s!);
        var enums = reader.Sequence(map, "enums", what, required: false).Select(n => ParseEnum(reader, n)).Where(e => e is not null).Select(e => e!);
        var classes = reader.Sequence(map, "classes", what, required: false).Select(n => ParseClass(reader, n)).Where(c => c is not null).Select(c => c!);
        var syscalls = reader.Sequence(map, "syscalls", what).Select(n => ParseSyscall(reader, n)).Where(s => s is not null).Select(s => s!);
        var docs = reader.Pairs(map, "docs", what, required: false).Select(p => new DocEntry(p.Key.Value!, (p.Value as YamlScalarNode)?.Value ?? ""));
        return new BindingsSpec(ns, visibility, headers.ToEquatableArray(), constants.ToEquatableArray(), types.ToEquatableArray(),
            structs.ToEquatableArray(), enums.ToEquatableArray(), classes.ToEquatableArray(), syscalls.ToEquatableArray(), docs.ToEquatableArray(),
            scopes.ToEquatableArray());
    }

    private static ConstantRule? ParseConstantRule(YamlReader reader, YamlNode node)
    {
        var map = reader.AsMap(node, "a constants rule");
        if (map is null) return null;
        reader.OnlyKeys(map, "a constants rule", "prefix", "defined_in");
        var prefix = reader.String(map, "prefix", "a constants rule");
        return prefix is null ? null : new ConstantRule(prefix, reader.String(map, "defined_in", "a constants rule", required: false), reader.At(map));
    }

    // A header or struct scoped to ABIs names ABIs of the table.
    private static void CheckScopedAbis(YamlReader reader, BindingsSpec bindings, List<AbiSpec> abis)
    {
        var named = bindings.HeaderScopes.SelectMany(h => h.Abis.Select(a => (Abi: a, What: $"header {h.Header}", At: h.Location!)))
            .Concat(bindings.Structs.SelectMany(st => st.Abis.Select(a => (Abi: a, What: $"struct {st.CName}", At: st.Location))));
        foreach (var (abi, what, at) in named.Where(n => abis.All(a => a.Name != n.Abi)))
        {
            reader.Diagnostics.Add(Diagnose.Schema(at, $"{what} is scoped to ABI '{abi}', which abis: does not list"));
        }
    }

    private static StructSpec? ParseStruct(YamlReader reader, YamlNode node)
    {
        var map = reader.AsMap(node, "a struct");
        if (map is null) return null;
        reader.OnlyKeys(map, "a struct", "c", "name", "doc", "fields", "abis");
        var c = reader.Identifier(map, reader.String(map, "c", "a struct"), "struct C name");
        var what = $"struct '{c}'";
        // Without a name, the C# one is the C one in PascalCase (statx_timestamp: StatxTimestamp), as for a held record.
        var name = reader.String(map, "name", what, required: false) is { } given ? reader.Identifier(map, given, "struct name")
            : c is null ? null : CSharpNames.MemberName(c, null);
        var doc = reader.String(map, "doc", what, required: false) ?? "";
        var fields = new List<FieldSpec>();
        foreach (var (key, value) in reader.Pairs(map, "fields", what, required: false))
        {
            var field = reader.AsMap(value, $"field '{key.Value}' of {what}");
            if (field is null) continue;
            reader.OnlyKeys(field, $"field '{key.Value}' of {what}", "name", "doc");
            var fieldName = reader.Identifier(field, reader.String(field, "name", $"field '{key.Value}' of {what}"), "field name");
            if (fieldName is not null) fields.Add(new FieldSpec(key.Value!, fieldName, reader.String(field, "doc", "a field", required: false) ?? ""));
        }
        var abis = reader.Get(map, "abis") is null ? new List<string>() : reader.Strings(map, "abis", what, required: true).ToList();
        return c is null || name is null ? null : new StructSpec(c, name, doc, fields.ToEquatableArray(), reader.At(map), abis.ToEquatableArray());
    }

    private static EnumSpec? ParseEnum(YamlReader reader, YamlNode node)
    {
        var map = reader.AsMap(node, "an enum");
        if (map is null) return null;
        reader.OnlyKeys(map, "an enum", "name", "type", "flags", "prefix", "strip", "members", "exclude", "names", "doc");
        var name = reader.Identifier(map, reader.String(map, "name", "an enum"), "enum name");
        var what = $"enum '{name}'";
        var type = reader.String(map, "type", what, required: false) ?? "int";
        if (System.Array.IndexOf(EnumTypes, type) < 0)
        {
            reader.Error(reader.Get(map, "type")!, $"'{type}' is not an enum type (one of: {string.Join(", ", EnumTypes)})");
        }
        var prefix = reader.String(map, "prefix", what, required: false);
        var members = reader.Strings(map, "members", what);
        if (prefix is null && members.Count == 0) reader.Error(map, $"{what} needs 'prefix' or 'members'");
        var strip = reader.String(map, "strip", what, required: false) ?? prefix;
        return name is null ? null : new EnumSpec(name, type, reader.Bool(map, "flags", what), prefix, strip, members.ToEquatableArray(),
            reader.Strings(map, "exclude", what).ToEquatableArray(),
            reader.Pairs(map, "names", what, required: false).Select(p => new Rename(p.Key.Value!, (p.Value as YamlScalarNode)?.Value ?? "")).ToEquatableArray(),
            reader.String(map, "doc", what, required: false) ?? "", reader.At(map));
    }

    /// <summary>The C# types an enum may have.</summary>
    public static readonly string[] EnumTypes = { "byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong" };

    private static ClassSpec? ParseClass(YamlReader reader, YamlNode node)
    {
        var map = reader.AsMap(node, "a class");
        if (map is null) return null;
        reader.OnlyKeys(map, "a class", "name", "prefix", "defined_in", "members", "type", "doc");
        var name = reader.Identifier(map, reader.String(map, "name", "a class"), "class name");
        var what = $"class '{name}'";
        var prefix = reader.String(map, "prefix", what, required: false);
        var members = reader.Strings(map, "members", what);
        if (prefix is null && members.Count == 0) reader.Error(map, $"{what} needs 'prefix' or 'members'");
        // A class's constants have the type of the field or argument they go into (epoll_event.events is a __u32).
        var type = reader.String(map, "type", what, required: false);
        if (type is not null && System.Array.IndexOf(EnumTypes, type) < 0)
        {
            reader.Error(reader.Get(map, "type")!, $"'{type}' is not an integer type a class's constants may have (one of: {string.Join(", ", EnumTypes)})");
            type = null;
        }
        return name is null ? null : new ClassSpec(name, prefix, reader.String(map, "defined_in", what, required: false), members.ToEquatableArray(),
            reader.String(map, "doc", what, required: false) ?? "", reader.At(map), type);
    }

    private static SyscallSpec? ParseSyscall(YamlReader reader, YamlNode node)
    {
        var map = reader.AsMap(node, "a syscall");
        if (map is null) return null;
        reader.OnlyKeys(map, "a syscall", "name", "method", "doc", "nonblocking", "args", "variants");
        var name = reader.Identifier(map, reader.String(map, "name", "a syscall"), "syscall name");
        var what = $"syscall '{name}'";
        var method = reader.Identifier(map, reader.String(map, "method", what), "method name");
        var args = new List<ArgSpec>();
        // Without 'args' the arguments are the kernel's prototype's; with it, each is checked against that prototype.
        bool argsGiven = reader.Get(map, "args") is not null;
        foreach (var argNode in reader.Sequence(map, "args", what, required: false))
        {
            var arg = reader.AsMap(argNode, $"an argument of {what}");
            if (arg is null) continue;
            reader.OnlyKeys(arg, $"an argument of {what}", "name", "type", "doc");
            var argName = reader.Identifier(arg, reader.String(arg, "name", $"an argument of {what}"), "argument name");
            var argType = reader.String(arg, "type", $"argument '{argName}' of {what}", required: false);
            if (argName is not null) args.Add(new ArgSpec(argName, argType, reader.String(arg, "doc", "an argument", required: false) ?? "", reader.At(arg)));
        }
        if (args.Count > 6) reader.Error(map, $"{what} has {args.Count} arguments; Linux syscalls take at most 6");
        var variants = reader.Strings(map, "variants", what);
        foreach (var variant in variants.Where(v => !CSharpNames.IsIdentifier(v))) reader.Error(reader.Get(map, "variants")!, $"variant '{variant}' of {what} is not a syscall name");
        return name is null || method is null ? null : new SyscallSpec(name, method, reader.String(map, "doc", what, required: false) ?? "", args.ToEquatableArray(),
            reader.Bool(map, "nonblocking", what), reader.At(map), argsGiven, variants.ToEquatableArray());
    }
}
