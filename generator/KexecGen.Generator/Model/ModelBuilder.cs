using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>
/// Joins arches.yaml with the scanned headers into a <see cref="BindingModel"/>, checking every fact it relies on. Its
/// parts: <see cref="AbiJoin"/> (ABIs to headers), <see cref="LayoutProof"/> (KXG007), <see cref="CSharpNames"/> and
/// <see cref="NameCollisions"/>; here, the enums, classes, structs, syscalls and ABI tables built from them.
/// </summary>
public static class ModelBuilder
{
    /// <summary>Builds the model; any error leaves it null. Every ABI is checked; <paramref name="scope"/> says which the table holds.</summary>
    /// <param name="arches">arches.yaml.</param>
    /// <param name="scannedFiles">headers/*.yaml.</param>
    /// <param name="scope">Which ABIs the ABI table holds.</param>
    /// <param name="runtimeIdentifier">The build's RuntimeIdentifier ("linux-arm64"), whose ABI alone the structs are laid out for; empty for a portable build.</param>
    /// <param name="layoutAbi">An ABI of arches.yaml to lay the structs out for, whatever .NET runs it (the tests' way to prove every ABI's layout); null to follow <paramref name="runtimeIdentifier"/>.</param>
    public static ModelResult Build(ArchesSpec arches, IReadOnlyList<ScannedAbi> scannedFiles, AbiTableScope scope = AbiTableScope.DotNet, string runtimeIdentifier = "", string? layoutAbi = null)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var abis = AbiJoin.Join(arches, scannedFiles, diagnostics);
        if (Diagnose.HasErrors(diagnostics)) return new ModelResult(null, diagnostics.ToEquatableArray());

        var bindings = arches.Bindings;
        // One entry per .NET architecture: an ABI may run as several (arm as Arm and Armv6).
        var dotnetAbis = abis.SelectMany(a => a.Spec.DotNet.Select(arch => new DotNetAbi(arch, a))).ToList();
        var enums = bindings.Enums.Select(e => BuildEnum(e, bindings, abis, diagnostics)).ToList();
        var classes = bindings.Classes.Select(c => BuildClass(c, bindings, abis, dotnetAbis, diagnostics)).ToList();
        var targets = LayoutTargets(abis, dotnetAbis, runtimeIdentifier, layoutAbi);
        // A build for one RuntimeIdentifier runs on its ABI alone: its stubs and table hold that ABI's numbers only.
        var emitted = Emitted(dotnetAbis, runtimeIdentifier, layoutAbi);
        var tabled = scope == AbiTableScope.Full ? abis : emitted.Count < dotnetAbis.Count ? emitted.Select(d => d.Abi).Distinct().ToList() : abis.Where(a => a.Spec.DotNet.Count > 0).ToList();
        var withFields = AbisWithFields(arches, scope);
        if (abis.FirstOrDefault(a => !a.Scanned.FieldsRead && withFields.Contains(a.Spec.Name)) is { } unread)
        {
            throw new InvalidOperationException($"{unread.Spec.Name}'s headers file was read without the fields this build lays out or tables");
        }
        var (structs, arrays) = RecordBuilder.Build(bindings, abis, targets, diagnostics);
        var known = new HashSet<string>(enums.Select(e => e.Name).Concat(structs.Select(s => s.Name)), StringComparer.Ordinal);
        // A syscall that cannot be bound is left out with its diagnostics; the others are still generated.
        var syscallDiagnostics = new List<DiagnosticInfo>();
        // A refusal on one ABI is news to a build that runs there or tables it; of an ABI no .NET runs, a build for the
        // ABIs .NET runs on is not told (the default bindings name xtensa, whose kexec_load row runs nothing).
        Func<string, bool> told = name => scope == AbiTableScope.Full || dotnetAbis.Count == 0 || dotnetAbis.Any(d => d.Spec.Name == name);
        var syscalls = bindings.Syscalls.Select(s => BuildSyscall(s, enums, structs, known, abis, emitted, told, syscallDiagnostics))
            .Where(s => s is not null).Select(s => s!).ToList();
        var constantTables = new List<ConstantTableModel>();
        var fieldNameTables = new List<FieldNamesModel>();
        var abiModels = tabled.Select(a => BuildAbi(a, syscalls, structs, scope == AbiTableScope.Full ? ConstantTable(a, classes, constantTables) : -1, fieldNameTables)).ToList();
        NameCollisions.Check(bindings, classes, structs, syscalls, diagnostics);
        // A stub for a syscall the ABI lacks answers ENOSYS, in the ABI's own numbering.
        var errnoClass = classes.FirstOrDefault(c => c.Members.Any(m => m.Name == "ENOSYS"))?.Name;
        if (errnoClass is null && syscalls.Count > 0)
        {
            diagnostics.Add(Diagnose.Schema(LocationInfo.FileStart(arches.Path), "bindings.classes must hold ENOSYS (for example a class with prefix E, defined_in errno): stubs answer it where an ABI lacks a syscall"));
        }

        var kernel = string.Join(", ", abis.Select(a => a.Scanned.Kernel).Distinct());
        var model = new BindingModel(
            bindings.Namespace,
            bindings.Visibility,
            Provenance(abis, kernel),
            kernel,
            abiModels.ToEquatableArray(),
            enums.ToEquatableArray(),
            classes.ToEquatableArray(),
            structs.ToEquatableArray(),
            syscalls.ToEquatableArray(),
            syscalls.SelectMany(s => s.Lowerings.Select(l => l.RawImport)).Distinct().OrderBy(i => i.Arity).ThenBy(i => i.NonBlocking).ToEquatableArray(),
            errnoClass,
            constantTables.ToEquatableArray(),
            arrays.ToEquatableArray(),
            targets.Count == 1 && (layoutAbi is not null || runtimeIdentifier.Length > 0) ? targets[0].Spec.Name : null,
            fieldNameTables.ToEquatableArray());
        return new ModelResult(Diagnose.HasErrors(diagnostics) ? null : model, diagnostics.Concat(syscallDiagnostics).ToEquatableArray());
    }

    private static EnumModel BuildEnum(EnumSpec spec, BindingsSpec bindings, List<Abi> abis, List<DiagnosticInfo> diagnostics)
    {
        var names = Select(spec.Members, spec.Prefix, null, spec.Exclude, abis);
        var members = new List<EnumMemberModel>();
        foreach (var cName in names)
        {
            var value = CommonValue(cName, $"enum {spec.Name}", spec.Location, abis, diagnostics);
            if (value is null) continue;
            if (!Fits(value.Value, spec.Type)) diagnostics.Add(Diagnose.DoesNotFit(spec.Location, cName, value.Value, spec.Type));
            var name = spec.Names.FirstOrDefault(r => r.CName == cName)?.Name ?? CSharpNames.MemberName(cName, spec.Strip);
            if (!CSharpNames.IsIdentifier(name))
            {
                diagnostics.Add(Diagnose.Schema(spec.Location, $"enum {spec.Name}: '{name}', made from {cName}, is not a C# identifier; name it under 'names'"));
            }
            if (members.Any(m => m.Name == name))
            {
                diagnostics.Add(Diagnose.Schema(spec.Location, $"enum {spec.Name}: {cName} and {members.First(m => m.Name == name).CName} would both be named '{name}'; name one under 'names'"));
                continue;
            }
            members.Add(new EnumMemberModel(name, cName, value.Value, Doc(bindings, cName)));
        }
        return new EnumModel(spec.Name, spec.Type, spec.Flags, spec.Doc, members.OrderBy(m => m.Value).ThenBy(m => m.Name, StringComparer.Ordinal).ToEquatableArray());
    }

    private static ConstantClassModel BuildClass(ClassSpec spec, BindingsSpec bindings, List<Abi> abis, List<DotNetAbi> dotnetAbis, List<DiagnosticInfo> diagnostics)
    {
        var names = Select(spec.Members, spec.Prefix, spec.DefinedIn, EquatableArray<string>.Empty, abis);
        var members = new List<ConstantModel>();
        foreach (var cName in names)
        {
            var values = abis.Select(a => a.Constant(cName)?.Value).ToList();
            var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
            if (present.Count == 0)
            {
                diagnostics.Add(abis.Count > 0
                    ? Diagnose.NotScanned(spec.Location, abis[0].Spec.Name, $"constant {cName} of class {spec.Name}")
                    : Diagnose.Schema(spec.Location, $"class {spec.Name}: constant {cName} is in no scanned headers, as no ABI is listed"));
                continue;
            }
            // Constant where every ABI the code can run as agrees: an ABI no .NET runs on (MIPS numbers errno its own
            // way) may differ without making the member a run-time property. Without any .NET ABI, every ABI counts.
            var runnable = dotnetAbis.Count > 0 ? dotnetAbis.Select(a => a.Constant(cName)?.Value).ToList() : values;
            bool common = runnable.All(v => v.HasValue) && runnable.Distinct().Count() == 1;
            var perArch = common
                ? EquatableArray<ArchValueModel>.Empty
                : dotnetAbis.Select(a => new ArchValueModel(a.Architecture, a.Constant(cName)?.Value)).ToEquatableArray();
            // The class's stated type, where its values fit it on every ABI; else the narrowest of int, uint and long.
            var misfit = spec.Type is { } stated ? present.FirstOrDefault(v => !Fits(v, stated)) : 0;
            if (spec.Type is not null && !Fits(misfit, spec.Type))
            {
                diagnostics.Add(Diagnose.DoesNotFit(spec.Location, cName, misfit, spec.Type));
                continue;
            }
            members.Add(new ConstantModel(cName, spec.Type ?? IntegerType(present), common ? runnable[0] : null, perArch, Doc(bindings, cName)));
        }
        // NameOf's tables: per .NET architecture, unless they are all the same.
        // One table per distinct numbering, shared by the architectures that have it.
        var byArch = dotnetAbis.Select(a => (a.Architecture, Names: NameTable(members.Select(m => (m.Name, a.Constant(m.Name)?.Value)))))
            .GroupBy(t => t.Names).Select(g => new ArchNamesModel(g.Select(t => t.Architecture).ToEquatableArray(), g.Key)).ToList();
        bool same = byArch.Count == 1;
        return new ConstantClassModel(spec.Name, spec.Doc, members.ToEquatableArray(),
            same ? byArch[0].Names : EquatableArray<NamedValueModel>.Empty,
            same ? EquatableArray<ArchNamesModel>.Empty : byArch.ToEquatableArray());
    }

    // Each value once, named by the first of its names in ordinal order (EAGAIN, not EWOULDBLOCK).
    private static EquatableArray<NamedValueModel> NameTable(IEnumerable<(string Name, long? Value)> members) =>
        members.Where(m => m.Value.HasValue).OrderBy(m => m.Name, StringComparer.Ordinal)
            .GroupBy(m => m.Value!.Value).Select(g => new NamedValueModel(g.Key, g.First().Name))
            .OrderBy(n => n.Value).ToEquatableArray();


    // The ABIs the structs must be right on: the one named, the one whose .NET architecture the RuntimeIdentifier
    // ends in (linux-x64, linux-musl-arm64: Architecture names in lower case), else every ABI .NET runs on; a table
    // with none of those is laid out for its first ABI.
    /// <summary>
    /// The ABIs whose structs' fields a build reads: those its ABI table holds and those it may lay structs out for
    /// (the ABIs .NET runs on, whatever the RuntimeIdentifier, or the first ABI where .NET runs on none; every ABI for
    /// a full table; and the ABIs a struct bound to some ABIs only names, as it is laid out as theirs where the build
    /// runs on none of them). Of the others, the model needs each struct's name only.
    /// </summary>
    /// <param name="arches">arches.yaml.</param>
    /// <param name="scope">Which ABIs the ABI table holds.</param>
    public static EquatableArray<string> AbisWithFields(ArchesSpec arches, AbiTableScope scope)
    {
        var names = arches.Abis.Where(a => scope == AbiTableScope.Full || a.DotNet.Count > 0).ToList();
        return (names.Count > 0 ? names : arches.Abis.Take(1)).Select(a => a.Name)
            .Concat(arches.Bindings.Structs.SelectMany(s => s.Abis)).Distinct().ToEquatableArray();
    }

    // Must stay within AbisWithFields, as RecordBuilder's targets must: Build checks that every ABI in it was read whole.
    private static List<Abi> LayoutTargets(List<Abi> abis, List<DotNetAbi> dotnetAbis, string runtimeIdentifier, string? layoutAbi)
    {
        if (layoutAbi is not null) return abis.Where(a => a.Spec.Name == layoutAbi).ToList();
        if (RuntimeAbi(dotnetAbis, runtimeIdentifier) is { } named) return new List<Abi> { named };
        var all = dotnetAbis.Select(d => d.Abi).Distinct().ToList();
        return all.Count > 0 ? all : abis.Take(1).ToList();
    }

    // The ABI a Linux RuntimeIdentifier runs (linux-x64, linux-musl-arm64: an Architecture's name in lower case at its
    // end); null for a portable build or one for an architecture no ABI of arches.yaml runs as.
    private static Abi? RuntimeAbi(List<DotNetAbi> dotnetAbis, string runtimeIdentifier)
    {
        if (!runtimeIdentifier.StartsWith("linux", StringComparison.Ordinal)) return null;
        var arch = runtimeIdentifier.Substring(runtimeIdentifier.LastIndexOf('-') + 1);
        return dotnetAbis.FirstOrDefault(d => string.Equals(d.Architecture, arch, StringComparison.OrdinalIgnoreCase))?.Abi;
    }

    // The .NET architectures whose numbers the stubs hold: those of the RuntimeIdentifier's ABI, for a build for one
    // (linux-arm: the arm ABI, which runs as Arm and Armv6); every one for a portable build, or where the
    // RuntimeIdentifier names no ABI of arches.yaml.
    private static List<DotNetAbi> Emitted(List<DotNetAbi> dotnetAbis, string runtimeIdentifier, string? layoutAbi) =>
        layoutAbi is null && RuntimeAbi(dotnetAbis, runtimeIdentifier) is { } named ? dotnetAbis.Where(d => d.Abi == named).ToList() : dotnetAbis;

    // Null where the syscall cannot be bound (its diagnostics say why). Its stub holds the numbers and registers of
    // dotnetAbis; the arguments are typed from every ABI (SyscallArguments), so that every build has the same methods.
    private static SyscallModel? BuildSyscall(SyscallSpec spec, List<EnumModel> enums, List<StructModel> structs, HashSet<string> known, List<Abi> abis, List<DotNetAbi> dotnetAbis, Func<string, bool> told, List<DiagnosticInfo> diagnostics)
    {
        var own = new List<DiagnosticInfo>();
        var (args, calls) = SyscallArguments.Resolve(spec, abis, enums, structs, known, told, own);
        diagnostics.AddRange(own);
        if (args is null || Diagnose.HasErrors(own)) return null;
        var byAbi = calls.ToDictionary(c => c.Abi, StringComparer.Ordinal);
        var numbers = dotnetAbis.Select(a => new ArchValueModel(a.Architecture, byAbi[a.Spec.Name].Number)).ToEquatableArray();
        // The .NET architectures that pass the same registers share one call; an ABI without the syscall passes none.
        var lowerings = dotnetAbis.Where(a => byAbi[a.Spec.Name].Number is not null)
            .GroupBy(a => byAbi[a.Spec.Name].Registers)
            .Select(g => new LoweringModel(g.Select(a => a.Architecture).ToEquatableArray(), g.Key, spec.NonBlocking))
            .ToEquatableArray();
        return new SyscallModel(spec.Name, spec.Method, spec.Doc, args.ToEquatableArray(), numbers, spec.NonBlocking, lowerings, calls.ToEquatableArray());
    }

    // The index of the ABI's class constants among the tables so far, adding a table when no ABI before numbered alike.
    private static int ConstantTable(Abi abi, List<ConstantClassModel> classes, List<ConstantTableModel> tables)
    {
        var constants = classes.SelectMany(c => c.Members.Select(m => (Class: c.Name, m.Name)))
            .Select(m => abi.Constant(m.Name) is { } c ? new AbiConstantModel(m.Class, m.Name, c.Value) : null)
            .Where(c => c is not null).Select(c => c!).ToEquatableArray();
        return Shared(new ConstantTableModel(constants), tables);
    }

    private static AbiModel BuildAbi(Abi abi, List<SyscallModel> calls, List<StructModel> structs, int constantTable, List<FieldNamesModel> fieldNameTables)
    {
        // The number the stub calls there: the syscall's own, or its variant's where the ABI has only that.
        var syscalls = calls.Select(s => new AbiSyscallModel(s.Name, s.Calls.Single(c => c.Abi == abi.Spec.Name).Number));
        var layouts = new List<AbiStructModel>();
        foreach (var model in structs)
        {
            var scanned = abi.Scanned.Structs.FirstOrDefault(s => s.Name == model.CName);
            if (scanned is null) continue;
            var csharpNames = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var m in model.Fields)
            {
                if (!csharpNames.ContainsKey(m.CName)) csharpNames.Add(m.CName, m.Name);
            }
            var names = new List<string>(2 * scanned.Fields.Count);
            var places = new List<int>(2 * scanned.Fields.Count);
            foreach (var f in scanned.Fields)
            {
                names.Add(csharpNames.TryGetValue(f.Name, out var csharpName) ? csharpName : f.Name);
                names.Add(f.Name);
                places.Add(f.Offset);
                places.Add(f.Bytes);
            }
            layouts.Add(new AbiStructModel(model.Name, model.CName, scanned.Size, scanned.Align,
                Shared(new FieldNamesModel(names.ToEquatableArray()), fieldNameTables), places.ToEquatableArray()));
        }
        return new AbiModel(abi.Spec.Name, abi.Spec.Triple, abi.Spec.DotNet, abi.Scanned.PointerSize,
            abi.Spec.KexecArch, abi.Spec.KexecArch is null ? null : abi.Constant(abi.Spec.KexecArch)?.Value, syscalls.ToEquatableArray(), layouts.ToEquatableArray(),
            constantTable);
    }

    // The index of an equal table among those so far, adding it when none is.
    private static int Shared<T>(T table, List<T> tables)
    {
        int index = tables.IndexOf(table);
        if (index >= 0) return index;
        tables.Add(table);
        return tables.Count - 1;
    }

    // Constant names chosen by an explicit list, or by prefix (and defining file) over every ABI, sorted.
    private static List<string> Select(EquatableArray<string> members, string? prefix, string? definedIn, EquatableArray<string> exclude, List<Abi> abis)
    {
        if (members.Count > 0) return members.ToList();
        var rule = new ConstantRule(prefix ?? "", definedIn);
        return abis.SelectMany(a => a.Scanned.Constants).Where(c => rule.Matches(c.Name, c.File)).Select(c => c.Name)
            .Where(n => !exclude.Contains(n)).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    // The value of a constant that must be the same on every ABI, or null after a diagnostic.
    private static long? CommonValue(string cName, string user, LocationInfo at, List<Abi> abis, List<DiagnosticInfo> diagnostics)
    {
        long? common = null;
        string? firstAbi = null;
        foreach (var abi in abis)
        {
            var c = abi.Constant(cName);
            if (c is null)
            {
                diagnostics.Add(Diagnose.NotScanned(at, abi.Spec.Name, $"constant {cName} (used by {user})"));
                return null;
            }
            if (common is null)
            {
                common = c.Value;
                firstAbi = abi.Spec.Name;
            }
            else if (common != c.Value)
            {
                diagnostics.Add(Diagnose.DiffersPerAbi(at, $"{cName} (used by {user})", $"{common} on {firstAbi}, {c.Value} on {abi.Spec.Name}"));
                return null;
            }
        }
        return common;
    }

    private static bool Fits(long value, string type) => type switch
    {
        "byte" => value is >= byte.MinValue and <= byte.MaxValue,
        "sbyte" => value is >= sbyte.MinValue and <= sbyte.MaxValue,
        "short" => value is >= short.MinValue and <= short.MaxValue,
        "ushort" => value is >= ushort.MinValue and <= ushort.MaxValue,
        "int" => value is >= int.MinValue and <= int.MaxValue,
        "uint" => value is >= uint.MinValue and <= uint.MaxValue,
        "ulong" => value >= 0,
        _ => true,
    };

    private static string IntegerType(List<long> values) =>
        values.All(v => Fits(v, "int")) ? "int" : values.All(v => Fits(v, "uint")) ? "uint" : "long";

    private static string Doc(BindingsSpec bindings, string cName) => bindings.Docs.FirstOrDefault(d => d.Name == cName)?.Text ?? "";

    private static string Provenance(List<Abi> abis, string kernel) => $"the Linux {kernel} uapi headers of {string.Join(", ", abis.Select(a => a.Spec.Name))}";
}
