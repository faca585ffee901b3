using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>
/// A syscall's arguments, from arches.yaml and the kernel's prototype on each ABI: the C# parameters (typed by hand and
/// checked against the prototype, or taken from it: KXG013, KXG015), and what each ABI passes in its registers — a
/// 64-bit argument whole, or split in a pair by the ABI's args64 rule and byte order (KXG014 where it has none).
/// </summary>
internal static class SyscallArguments
{
    /// <summary>
    /// The C# parameters of <paramref name="spec"/> and, for every ABI, what its stub calls and passes; null parameters
    /// where the syscall cannot be bound at all (said in <paramref name="diagnostics"/>).
    /// </summary>
    /// <param name="spec">The syscall's entry in arches.yaml.</param>
    /// <param name="abis">Every ABI, with its scanned headers.</param>
    /// <param name="enums">The generated enums, which arguments may be typed as.</param>
    /// <param name="structs">The bound structs, which pointer arguments become.</param>
    /// <param name="known">Every generated type's name.</param>
    /// <param name="told">Whether the build is told of a refusal on the ABI of that name (KXG020, KXG021).</param>
    /// <param name="diagnostics">Where problems are said.</param>
    public static (List<ArgModel>? Args, List<AbiCallModel> Calls) Resolve(
        SyscallSpec spec, List<Abi> abis, List<EnumModel> enums, List<StructModel> structs, HashSet<string> known, Func<string, bool> told, List<DiagnosticInfo> diagnostics)
    {
        var reference = Reference.Of(spec, abis);
        if (reference is null && !spec.ArgsGiven && NotImplementedEverywhere(spec, abis) is { Count: > 0 } unimplemented)
        {
            diagnostics.Add(Diagnose.NotImplemented(spec.Location, spec.Name, unimplemented, "nothing is bound"));
            return (null, new List<AbiCallModel>());
        }
        var args = Parameters(spec, abis, reference, enums, structs, known, diagnostics);
        var calls = new List<AbiCallModel>();
        var problems = new AbiProblems();
        foreach (var abi in abis)
        {
            calls.Add(args is null ? new AbiCallModel(abi.Spec.Name, null, null, EquatableArray<RegisterModel>.Empty)
                : Lower(spec, abi, args, reference, problems));
        }
        if (!problems.Report(spec, calls, told, diagnostics)) return (args, calls);
        calls = calls.Select(problems.Apply).ToList();
        // Refused on every ABI that numbers it: nothing to bind.
        return (calls.Any(c => c.Number is not null) ? args : null, calls);
    }

    // The ABIs whose every row for the syscall and its variants runs sys_ni_syscall, when no ABI has a row that runs more.
    private static List<string> NotImplementedEverywhere(SyscallSpec spec, List<Abi> abis)
    {
        var rows = abis.SelectMany(a => Reference.Rows(spec, a).Select(p => (Abi: a.Spec.Name, Reached: ReachedEntry.Of(p)))).ToList();
        return rows.Count > 0 && rows.All(r => r.Reached.IsNotImplemented) ? rows.Select(r => r.Abi).Distinct().ToList() : new List<string>();
    }

    /// <summary>
    /// The kernel function whose arguments the C# parameters follow: of the functions the ABIs' rows for the syscall
    /// run (its own row's entry point, or a variant's), the one the most typing ABIs (those .NET runs on, where any
    /// has the syscall) can call through some row of their table — the first such ABI's on a tie. On x86_64 and i386,
    /// clock_gettime runs sys_clock_gettime and sys_clock_gettime32; i386's clock_gettime64 runs sys_clock_gettime, so
    /// both can call it and it is the reference.
    /// </summary>
    private sealed record Reference(string Symbol, List<(Abi Abi, ReachedEntry Reached)> Typing)
    {
        public static Reference? Of(SyscallSpec spec, List<Abi> abis)
        {
            var withRows = abis.Where(a => Rows(spec, a).Any()).ToList();
            var typing = withRows.Any(a => a.Spec.DotNet.Count > 0) ? withRows.Where(a => a.Spec.DotNet.Count > 0).ToList() : withRows;
            List<string> Symbols() => typing.Select(a => ReachedEntry.Of(Rows(spec, a).First()).Symbol).Where(s => s != ReachedEntry.NotImplemented).Distinct().ToList();
            var symbols = Symbols();
            if (symbols.Count == 0)
            {
                // The ABIs .NET runs on run nothing for it: typed from the others' rows, if any runs something.
                typing = withRows;
                symbols = Symbols();
            }
            if (withRows.Count > 0 && symbols.Count == 0) return null;
            // An entry point one arch alone defines (i386's sys_ia32_fadvise64_64, powerpc's ppc_pread64) re-lays the
            // arguments in registers: never the reference, but checked register by register where an ABI's row runs it.
            // One that several define alike (sys_mmap of x86_64, arm64 and riscv64) or the kernel's generic code does is.
            bool Generic(string symbol) => typing.Any(a => Serving(spec, a, symbol) is { } p && ReachedEntry.Of(p) is { Source.Length: > 0 } r && !r.Source.StartsWith("arch/", StringComparison.Ordinal));
            int Served(string symbol) => typing.Count(a => Serving(spec, a, symbol) is not null);
            var generic = symbols.Where(s => Generic(s) || Served(s) >= 2).ToList();
            if (generic.Count == 0)
            {
                // Typed from the kernel's prototype of sys_NAME wherever the scan found one.
                var declared = abis.Where(a => a.Prototype(spec.Name) is { } p && !ReachedEntry.Of(p).IsNotImplemented).ToList();
                if (declared.Count == 0) return null;
                var dotnet = declared.Any(a => a.Spec.DotNet.Count > 0) ? declared.Where(a => a.Spec.DotNet.Count > 0).ToList() : declared;
                return new Reference("sys_" + spec.Name, dotnet.Select(a => (a, a.Prototype(spec.Name)!)).Select(t => (t.a, new ReachedEntry("sys_" + spec.Name, t.Item2.Args, t.Item2.Source))).ToList());
            }
            var best = generic.OrderByDescending(Served).ThenByDescending(Generic).First();
            // Typed from every ABI .NET runs on that can call it, through whichever row: sendfile64's size_t is 4 bytes
            // on the 32-bit ABIs that have the row and 8 on the 64-bit ones whose sendfile runs it, so nuint.
            var serving = abis.Select(a => (Abi: a, Row: Serving(spec, a, best))).Where(t => t.Row is not null).ToList();
            var typedBy = serving.Any(t => t.Abi.Spec.DotNet.Count > 0) ? serving.Where(t => t.Abi.Spec.DotNet.Count > 0).ToList() : serving;
            return new Reference(best, typedBy.Select(t => (t.Abi, ReachedEntry.Of(t.Row!))).ToList());
        }

        /// <summary>The ABI's numbered rows for the syscall and its variants, in that order, that the scan found a prototype of.</summary>
        public static IEnumerable<ScannedPrototype> Rows(SyscallSpec spec, Abi abi) =>
            new[] { spec.Name }.Concat(spec.Variants).Where(n => abi.Number(n) is not null).Select(abi.Prototype).Where(p => p is not null).Select(p => p!);

        /// <summary>The ABI's row that runs <paramref name="symbol"/>: the syscall's own or a variant's, else any row of its table (i386's chown32 for sys_chown).</summary>
        public static ScannedPrototype? Serving(SyscallSpec spec, Abi abi, string symbol) =>
            Rows(spec, abi).FirstOrDefault(p => ReachedEntry.Of(p).Symbol == symbol) ?? abi.Reaching(symbol).FirstOrDefault();

        /// <summary>The kernel's argument <paramref name="name"/> of the reference function, as the first typing ABI declares it.</summary>
        public ScannedArg? Arg(string name) => Typing.Count == 0 ? null : Typing[0].Reached.Args.FirstOrDefault(a => a.Name == name);
    }

    // The problems found ABI by ABI, reported once each with every ABI that has it (not 29 times). A refusal leaves the
    // syscall unbound on that ABI alone (its stub answers ENOSYS there) while another ABI can call it.
    private sealed class AbiProblems
    {
        private readonly List<(DiagnosticKind Kind, LocationInfo At, string Detail, List<string> Abis, bool Refusal)> _found = new();
        private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

        public void Add(DiagnosticKind kind, LocationInfo at, string detail, string abi) => Add(kind, at, detail, abi, refusal: false);

        /// <summary>The ABI cannot call the syscall as the other ABIs do: refused there, for the reason given.</summary>
        public void Refuse(DiagnosticKind kind, LocationInfo at, string detail, string abi)
        {
            Add(kind, at, detail, abi, refusal: true);
            _refused.Add(abi);
        }

        private void Add(DiagnosticKind kind, LocationInfo at, string detail, string abi, bool refusal)
        {
            var same = _found.FirstOrDefault(f => f.Kind == kind && f.At == at && f.Detail == detail && f.Refusal == refusal);
            if (same.Abis is not null) same.Abis.Add(abi);
            else _found.Add((kind, at, detail, new List<string> { abi }, refusal));
        }

        /// <summary>The call, unbound where it was refused.</summary>
        public AbiCallModel Apply(AbiCallModel call) =>
            _refused.Contains(call.Abi) ? new AbiCallModel(call.Abi, call.Called, null, EquatableArray<RegisterModel>.Empty) : call;

        /// <summary>
        /// Reports every problem; refusals as warnings (KXG020, KXG021) while some ABI can still call the syscall, else
        /// as the errors they are (the syscall is then not bound). Returns whether any ABI was refused.
        /// </summary>
        public bool Report(SyscallSpec spec, List<AbiCallModel> calls, Func<string, bool> told, List<DiagnosticInfo> diagnostics)
        {
            bool callable = calls.Any(c => c.Number is not null && !_refused.Contains(c.Abi));
            foreach (var (kind, at, detail, all, refusal) in _found)
            {
                // A warning about an ABI the syscall is refused on says nothing more: the refusal is the news.
                var abis = refusal ? all : all.Where(a => !_refused.Contains(a)).ToList();
                if (refusal && callable) abis = abis.Where(told).ToList();
                if (abis.Count == 0) continue;
                diagnostics.Add(kind == DiagnosticTable.NotImplemented ? Diagnose.NotImplemented(at, spec.Name, abis, callable ? "its stub answers ENOSYS there" : "nothing is bound")
                    : refusal && callable ? Diagnose.RefusedOnAbi(at, spec.Name, abis, kind == DiagnosticTable.NoArgs64Rule
                        ? $"argument {detail} is 64 bits wide, and they state no args64 rule saying how such an argument is passed (KXG014)" : detail)
                    : kind == DiagnosticTable.NoArgs64Rule ? Diagnose.NoArgs64Rule(at, spec.Name, abis, detail)
                    : kind == DiagnosticTable.ArgumentUnchecked ? Diagnose.ArgumentUnchecked(at, spec.Name, abis, detail)
                    : Diagnose.PrototypeMismatch(at, spec.Name, abis, detail));
            }
            return _refused.Count > 0;
        }
    }

    // The C# parameters: arches.yaml's, each type given or taken from the reference function's arguments; or all from them.
    private static List<ArgModel>? Parameters(SyscallSpec spec, List<Abi> abis, Reference? reference, List<EnumModel> enums, List<StructModel> structs, HashSet<string> known, List<DiagnosticInfo> diagnostics)
    {
        var typing = reference?.Typing ?? new List<(Abi Abi, ReachedEntry Reached)>();
        var first = typing.Count > 0 ? typing[0].Reached : (ReachedEntry?)null;
        bool needsPrototype = !spec.ArgsGiven || spec.Args.Any(a => a.Type is null);
        if (first is null && needsPrototype)
        {
            diagnostics.Add(Diagnose.PrototypeMismatch(spec.Location, spec.Name, abis.Select(a => a.Spec.Name),
                $"the kernel declares no sys_{spec.Name} in include/linux/syscalls.h or the ABI's arch/<ARCH>/include/asm/syscalls.h (or declares it more than once, per configuration), so its arguments must be typed under args"));
            return null;
        }
        if (spec.ArgsGiven && first is { } r && spec.Args.Count != r.Args.Count)
        {
            diagnostics.Add(Diagnose.PrototypeMismatch(spec.Location, spec.Name, typing.Select(t => t.Abi.Spec.Name),
                $"arches.yaml gives {spec.Args.Count} argument(s), the kernel's prototype ({r.Source}) has {r.Args.Count}: {Show(r)}"));
            return null;
        }

        var result = new List<ArgModel>();
        int count = spec.ArgsGiven ? spec.Args.Count : first!.Value.Args.Count;
        for (int i = 0; i < count; i++)
        {
            var given = spec.ArgsGiven ? spec.Args[i] : null;
            var kernel = first?.Args[i];
            var at = given?.Location ?? spec.Location;
            string? type = given?.Type ?? CSharpType(spec, i, typing, structs, at, diagnostics);
            if (type is null) return null;
            var underlying = enums.FirstOrDefault(e => e.Name == type)?.Type;
            var element = type.TrimEnd('*');
            if (underlying is null && LayoutProof.ManagedSize(element, 8) == 0 && !known.Contains(element) && element != "void")
            {
                diagnostics.Add(Diagnose.Schema(at, $"syscall {spec.Name}: argument {given?.Name ?? kernel!.Name} has type '{type}', which is neither a primitive nor a generated enum or struct"));
            }
            var name = given?.Name ?? kernel!.Name;
            var doc = given?.Doc is { Length: > 0 } d ? d : kernel is null ? "" : $"The kernel's {kernel.Type} {kernel.Name}{Sizes(kernel, typing)}.";
            result.Add(new ArgModel(CSharpNames.Escaped(CSharpNames.CamelCase(name)), kernel?.Name ?? name, type, underlying, doc));
        }
        return result;
    }

    // For a pointer to a struct or union the scan laid out, its size on each typing ABI: " (390 bytes on x86_64, …)".
    private static string Sizes(ScannedArg kernel, List<(Abi Abi, ReachedEntry Reached)> typing)
    {
        if (kernel.Kind != ScannedArg.Pointer || Pointee(kernel.Type) is not { } tag || !(tag.StartsWith("struct ", StringComparison.Ordinal) || tag.StartsWith("union ", StringComparison.Ordinal))) return "";
        var record = tag.Substring(tag.IndexOf(' ') + 1);
        var sizes = typing.Select(t => (t.Abi.Spec.Name, Size: t.Abi.Scanned.Structs.FirstOrDefault(x => x.Name == record)?.Size)).Where(x => x.Size is not null)
            .Select(x => $"{x.Size} bytes on {x.Name}").ToList();
        return sizes.Count == 0 ? "" : $" ({string.Join(", ", sizes)})";
    }

    // What a pointer argument points at, without const and the pointer: "struct __kernel_timespec"; null for an integer.
    // A compat entry point's struct compat_X is the 32-bit ABI's own layout of struct X (x32's and n32's kexec_load
    // take struct compat_kexec_segment, their struct kexec_segment): one type.
    private static string? Pointee(string type) =>
        type.EndsWith("*", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Replace(System.Text.RegularExpressions.Regex.Replace(type.Substring(0, type.Length - 1).Replace("const ", " "), @"\s+", " ").Trim(), @"\bcompat_", "")
            : null;

    // The C# type standing for the reference function's argument i on the typing ABIs: a pointer to a bound struct,
    // byte* for char pointers, void* for any other pointer; an integer of the width every ABI gives it, or nint/nuint
    // where that width is the pointer's.
    private static string? CSharpType(SyscallSpec spec, int i, List<(Abi Abi, ReachedEntry Reached)> typing, List<StructModel> structs, LocationInfo at, List<DiagnosticInfo> diagnostics)
    {
        var args = typing.Select(t => (t.Abi, Arg: t.Reached.Args.ElementAtOrDefault(i))).Where(p => p.Arg is not null).ToList();
        var first = args[0].Arg!;
        if (args.Any(p => p.Arg!.Kind == ScannedArg.Pointer))
        {
            var pointee = first.Type.Replace("const ", "").TrimEnd('*', ' ');
            var bound = structs.FirstOrDefault(s => (pointee == "struct " + s.CName || pointee == "union " + s.CName) && first.Type.Count(c => c == '*') == 1);
            return bound is not null ? bound.Name + "*" : pointee is "char" or "unsigned char" or "signed char" ? "byte*" : "void*";
        }
        if (args.Any(p => p.Arg!.Size == 0))
        {
            diagnostics.Add(Diagnose.PrototypeMismatch(at, spec.Name, args.Where(p => p.Arg!.Size == 0).Select(p => p.Abi.Spec.Name),
                $"the compiler could not size argument {first.Name}'s type '{first.Type}'; give its type under args"));
            return null;
        }
        bool signed = first.Kind == ScannedArg.Signed;
        var sizes = args.Select(p => p.Arg!.Size).Distinct().ToList();
        var type = sizes.Count == 1
            ? (sizes[0], signed) switch
            {
                (1, true) => "sbyte", (1, false) => "byte", (2, true) => "short", (2, false) => "ushort",
                (4, true) => "int", (4, false) => "uint", (8, true) => "long", (8, false) => "ulong", _ => null,
            }
            : args.All(p => p.Arg!.Size == p.Abi.Scanned.PointerSize) ? (signed ? "nint" : "nuint") : null;
        if (type is not null) return type;
        diagnostics.Add(Diagnose.PrototypeMismatch(at, spec.Name, args.Select(p => p.Abi.Spec.Name),
            $"argument {first.Name} ('{first.Type}') is {string.Join(" or ", sizes)} bytes wide across the ABIs, which no one C# type is; give its type under args"));
        return null;
    }

    // What the ABI calls: a row of its table running the reference function (the syscall's own, a variant's, or another
    // row: i386's clock_gettime64, chown32), else the syscall itself or the first variant it has; its arguments checked
    // against the function that row runs, and lowered to registers.
    private static AbiCallModel Lower(SyscallSpec spec, Abi abi, List<ArgModel> args, Reference? reference, AbiProblems problems)
    {
        var name = abi.Spec.Name;
        var serving = reference is null ? null : Reference.Serving(spec, abi, reference.Symbol);
        var called = serving?.Name ?? new[] { spec.Name }.Concat(spec.Variants).FirstOrDefault(n => Number(abi, n) is not null);
        if (called is null) return new AbiCallModel(name, null, null, EquatableArray<RegisterModel>.Empty);
        long number = Number(abi, called)!.Value;
        var prototype = Prototype(abi, called);
        int pointerSize = abi.Scanned.PointerSize;
        // The ABI has the call, but its problem (reported) leaves it no registers: refused there.
        AbiCallModel Refused() => new(name, called, number, EquatableArray<RegisterModel>.Empty);
        var reached = prototype is null ? (ReachedEntry?)null : ReachedEntry.Of(prototype);
        if (reached is { IsNotImplemented: true })
        {
            problems.Refuse(DiagnosticTable.NotImplemented, spec.Location, "", name);
            return Refused();
        }
        // Another function than the reference: its arguments must be the ones the C# parameters stand for.
        if (reference is not null && reached is { } other && other.Symbol != reference.Symbol && Disagreement(args, other, reference, pointerSize) is { } why)
        {
            problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location,
                $"its table runs {called} as {other.Symbol} ({(other.Source.Length > 0 ? other.Source : "not declared once in the kernel source")}), {why}, and no row of its table runs {reference.Symbol}", name);
            return Refused();
        }

        // The arguments the kernel reads: the reference function's where the row runs it (x86_64's uname runs
        // sys_newuname, not the sys_uname of the same name), else the row's own prototype's, its entry point checked below.
        var kernelArgs = reached is { } runs && reference is not null && runs.Symbol == reference.Symbol ? runs.Args : prototype?.Args ?? EquatableArray<ScannedArg>.Empty;
        var kernelSource = reached is { } at && reference is not null && at.Symbol == reference.Symbol ? at.Source : prototype?.Source ?? "";

        // The C# argument for each of the called prototype's arguments, in the prototype's order, with the kernel's width.
        var order = new List<(ArgModel Arg, int Width)>();
        if (prototype is null)
        {
            if (called != spec.Name)
            {
                problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location, $"it has only the variant {called}, whose prototype the kernel does not declare once, so its arguments cannot be matched", name);
                return Refused();
            }
            problems.Add(DiagnosticTable.ArgumentUnchecked, spec.Location,
                $"the kernel declares no sys_{spec.Name} there (or declares it more than once, per configuration), so the arguments typed here are passed as typed, unchecked", name);
            order.AddRange(args.Select(a => (a, CSharpWidth(a, pointerSize))));
        }
        else if (called == spec.Name)
        {
            if (kernelArgs.Count != args.Count)
            {
                problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location, $"{args.Count} argument(s) here, {kernelArgs.Count} in the kernel's prototype ({kernelSource}): {Show(prototype)}", name);
                return Refused();
            }
            for (int i = 0; i < args.Count; i++) order.Add((args[i], kernelArgs[i].Size));
        }
        else
        {
            // A variant takes the same arguments in its own order: matched by the kernel's names (sync_file_range2).
            if (kernelArgs.Count != args.Count)
            {
                problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location, $"its variant {called} takes {kernelArgs.Count} argument(s), {spec.Name} {args.Count}", name);
                return Refused();
            }
            foreach (var karg in kernelArgs)
            {
                var match = args.FirstOrDefault(a => a.CName == karg.Name);
                if (match is null)
                {
                    problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location, $"its variant {called} ({prototype.Source}) has an argument {karg.Name} that {spec.Name} has not; variants must take the same arguments", name);
                    return Refused();
                }
                order.Add((match, karg.Size));
            }
        }
        if (prototype is not null && !Check(spec, abi, kernelArgs, kernelSource, order.Select(o => o.Arg).ToList(), problems))
        {
            return Refused();
        }

        // An entry point of the ABI's own that takes the same arguments in another order (csky's and arm's
        // fadvise64_64 take advice second) is followed: its order, its widths.
        if (prototype is { Entry: not null } && reached is { } entryRun && entryRun.Args.Count == order.Count
            && entryRun.Args.Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(order.Select(o => o.Arg.CName).OrderBy(n => n, StringComparer.Ordinal)))
        {
            order = entryRun.Args.Select(a => (order.First(o => o.Arg.CName == a.Name).Arg, a.Size)).ToList();
        }
        var rule = abi.Spec.Args64;
        var slots = Slots(order.Select(o => o.Width).ToList(), abi, padded: rule?.Padded.Contains(called) == true, out int failed);
        if (slots is null)
        {
            var (arg, width) = order[failed];
            if (width == 8) problems.Refuse(DiagnosticTable.NoArgs64Rule, spec.Location, arg.CName, name);
            else problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location, $"argument {arg.CName} is {width} bytes wide, more than any register pair holds", name);
            return Refused();
        }
        var registers = slots.Select(slot => slot.Index < 0 ? RegisterModel.Padding
            : new RegisterModel(slot.Kind, order[slot.Index].Arg.Name, order[slot.Index].Arg.Underlying, order[slot.Index].Arg.Type)).ToList();
        if (registers.Count > MaxRegisters && abi.Spec.DotNet.Count > 0)
        {
            problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location, $"it takes {registers.Count} registers there, and libc's syscall() passes at most {MaxRegisters}", name);
            return Refused();
        }
        if (prototype?.Entry is not null
            && CheckEntry(spec, abi, prototype, slots.Select(x => (x.Index < 0 ? null : order[x.Index].Arg.CName, x.Kind)).ToList(), problems) is false)
        {
            return Refused();
        }
        return new AbiCallModel(name, called, number, registers.ToEquatableArray());
    }

    // "fd", "pos.lo", "pos.hi": an argument, or one half of it.
    private static string Label(string arg, string kind) => kind == RegisterModel.Low ? arg + ".lo" : kind == RegisterModel.High ? arg + ".hi" : arg;

    // Whether the entry point's argument in register i agrees with what the stub passes there: an argument both name
    // must be in the same register, and a half the kernel names (poslo, offset_hi, offset_low) must be that half.
    private static bool Agrees(string? entryArg, List<string?> passed, int i)
    {
        if (entryArg is null) return true;
        if (passed.Contains(entryArg)) return passed[i] == entryArg;
        var half = System.Text.RegularExpressions.Regex.Match(entryArg, "^(.+?)_?(lo|low|hi|high)$");
        if (!half.Success) return true; // a name of the kernel's own (ubuf, reg6, pos1): its register is not checked
        var whole = half.Groups[1].Value + (half.Groups[2].Value.StartsWith("l", StringComparison.Ordinal) ? ".lo" : ".hi");
        return !passed.Any(p => p is not null && p.StartsWith(half.Groups[1].Value + ".", StringComparison.Ordinal)) || passed[i] == whole;
    }


    // The registers for arguments of these widths on the ABI: each (argument index, whole/low/high), or (-1, pad); null
    // with the failing argument's index where one cannot be passed (64 bits and no args64 rule, or wider than 64).
    private static List<(int Index, string Kind)>? Slots(List<int> widths, Abi abi, bool padded, out int failed)
    {
        var rule = abi.Spec.Args64;
        int pointerSize = abi.Scanned.PointerSize;
        bool wholeRegisters = pointerSize == 8 || rule?.Pass == Args64Spec.Register;
        var slots = new List<(int, string)>();
        failed = -1;
        for (int i = 0; i < widths.Count; i++)
        {
            int width = widths[i];
            if (width <= pointerSize || (width == 8 && wholeRegisters))
            {
                slots.Add((i, RegisterModel.Whole));
                continue;
            }
            if (width != 8 || rule is null)
            {
                failed = i;
                return null;
            }
            // glibc: __ALIGNMENT_ARG before a pair on an odd register; SYSCALL_LL64_PRW's dummy before pread64's offset.
            if ((rule.Pass == Args64Spec.AlignedPair && slots.Count % 2 == 1) || padded) slots.Add((-1, RegisterModel.Pad));
            bool big = abi.Scanned.ByteOrder == "big";
            slots.Add((i, big ? RegisterModel.High : RegisterModel.Low));
            slots.Add((i, big ? RegisterModel.Low : RegisterModel.High));
        }
        return slots;
    }

    // Where the ABI's syscall table routes the call to an entry point of its own, the registers that entry point takes
    // (its own prototype, lowered by the same rule) must be as many as the stub passes, and each argument the two name
    // alike in the same register: powerpc's sys_ppc_pread64 agrees; its sys_ppc_fadvise64_64, which takes advice
    // second, does not. An entry point the kernel source does not show once is a warning: it cannot be checked.
    private static bool CheckEntry(SyscallSpec spec, Abi abi, ScannedPrototype prototype, List<(string? Arg, string Kind)> registers, AbiProblems problems)
    {
        var name = abi.Spec.Name;
        var passed = registers.Select(r => r.Arg is null ? null : Label(r.Arg, r.Kind)).ToList();
        var entry = ReachedEntry.Of(prototype);
        if (entry.Source.Length == 0)
        {
            problems.Add(DiagnosticTable.ArgumentUnchecked, spec.Location,
                $"the syscall table routes {prototype.Name} to {prototype.Entry}, which the kernel source here does not declare once, so the registers are unchecked against it", name);
            return true;
        }
        var entrySlots = Slots(entry.Args.Select(a => a.Size).ToList(), abi, padded: false, out _);
        var taken = entrySlots?.Select(x => x.Index < 0 ? null : Label(entry.Args[x.Index].Name, x.Kind)).ToList();
        bool agree = taken is not null && taken.Count == passed.Count && taken.Select((entryArg, i) => Agrees(entryArg, passed, i)).All(ok => ok);
        if (agree) return true;
        string Show(IEnumerable<string?> registers) => string.Join(", ", registers.Select(r => r ?? "0"));
        problems.Refuse(DiagnosticTable.PrototypeMismatch, spec.Location,
            $"the syscall table routes {prototype.Name} to {prototype.Entry} ({entry.Source}), which takes {(taken is null ? "registers KexecGen cannot lay out" : $"{taken.Count} registers ({Show(taken)})")}; the stub would pass {passed.Count} ({Show(passed)}): bind that entry point's own arguments for this ABI, or leave it out", name);
        return false;
    }

    /// <summary>The most registers libc's <c>syscall()</c> passes after the number.</summary>
    public const int MaxRegisters = 6;

    // Pointer-ness and width of each argument against the kernel's on this ABI: narrower is an error (bits would be
    // lost), wider a warning (the kernel reads only its own width). An enum is checked by its values, which fit.
    private static bool Check(SyscallSpec spec, Abi abi, EquatableArray<ScannedArg> kernelArgs, string source, List<ArgModel> ordered, AbiProblems problems)
    {
        bool ok = true;
        for (int i = 0; i < ordered.Count; i++)
        {
            var arg = ordered[i];
            var kernel = kernelArgs[i];
            var given = spec.Args.FirstOrDefault(a => a.Name == arg.CName || CSharpNames.Escaped(CSharpNames.CamelCase(a.Name)) == arg.Name);
            var at = given?.Location ?? spec.Location;
            // A type arches.yaml gives is wrong wherever it does not fit (an error); one taken from another ABI's
            // prototype leaves this ABI alone unbound.
            Action<DiagnosticKind, LocationInfo, string, string> fail = given?.Type is not null ? problems.Add : problems.Refuse;
            bool csPointer = arg.Type.EndsWith("*", StringComparison.Ordinal);
            bool csAddress = csPointer || arg.Type is "nint" or "nuint";
            string what = $"argument {arg.CName}, typed '{arg.Type}', is the kernel's '{kernel.Type} {kernel.Name}' ({source})";
            if (kernel.Kind == ScannedArg.Pointer && !csAddress)
            {
                fail(DiagnosticTable.PrototypeMismatch, at, $"{what}, a pointer: type it as a pointer, nint or nuint", abi.Spec.Name);
                ok = false;
                continue;
            }
            if (kernel.Kind != ScannedArg.Pointer && csPointer)
            {
                fail(DiagnosticTable.PrototypeMismatch, at, $"{what}, an integer, not a pointer", abi.Spec.Name);
                ok = false;
                continue;
            }
            if (kernel.Size == 0) continue; // a type the compiler could not size: passed as typed, one register
            int width = CSharpWidth(arg, abi.Scanned.PointerSize);
            if (width < kernel.Size && arg.Underlying is null)
            {
                fail(DiagnosticTable.PrototypeMismatch, at, $"{what}: {width} bytes here, {kernel.Size} in the kernel, so values would lose bits; type it at least as wide", abi.Spec.Name);
                ok = false;
            }
            else if (width > kernel.Size && arg.Underlying is null)
            {
                problems.Add(DiagnosticTable.ArgumentUnchecked, at, $"{what}: {width} bytes here, {kernel.Size} in the kernel, which reads only its low {kernel.Size * 8} bits", abi.Spec.Name);
            }
        }
        return ok;
    }

    private static int CSharpWidth(ArgModel arg, int pointerSize) =>
        LayoutProof.ManagedSize(arg.Underlying ?? arg.Type, pointerSize) is int n and > 0 ? n : pointerSize;

    private static ScannedPrototype? Prototype(Abi abi, string name) => abi.Prototype(name);

    private static long? Number(Abi abi, string name) => abi.Number(name);

    private static string Show(ScannedPrototype p) => $"sys_{p.Name}({string.Join(", ", p.Args.Select(a => a.Type + " " + a.Name))})";

    private static string Show(ReachedEntry r) => $"{r.Symbol}({string.Join(", ", r.Args.Select(a => a.Type + " " + a.Name))})";

    // Why the function another row runs does not take what the C# parameters stand for: a pointer to another type than
    // the reference function's argument of that name, or an integer narrower than the parameter (sys_clock_gettime32's
    // struct old_timespec32 *tp for struct __kernel_timespec *tp; sys_chown16's 2-byte old_uid_t user for a uint);
    // null where they agree. Arguments are matched by name, else by position where both take as many.
    private static string? Disagreement(List<ArgModel> args, ReachedEntry other, Reference reference, int pointerSize)
    {
        for (int i = 0; i < other.Args.Count; i++)
        {
            var karg = other.Args[i];
            var arg = args.FirstOrDefault(a => a.CName == karg.Name) ?? (other.Args.Count == args.Count ? args[i] : null);
            if (arg is null) continue; // a register of the entry's own (a half, a pad): CheckEntry places it
            var expected = reference.Arg(arg.CName);
            // A void pointer passes any (arc's asm wrapper sys_clone3_wrapper(void *) hands its register on to sys_clone3).
            bool otherPointee = karg.Kind == ScannedArg.Pointer && expected?.Kind == ScannedArg.Pointer && Pointee(karg.Type) is { } got && got != "void" && got != Pointee(expected.Type);
            if (expected is not null && (otherPointee || (karg.Kind == ScannedArg.Pointer) != (expected.Kind == ScannedArg.Pointer)))
            {
                return $"whose {karg.Type} {karg.Name} is not the {expected.Type} {expected.Name} of {reference.Symbol}";
            }
            if (karg.Kind != ScannedArg.Pointer && karg.Size > 0 && arg.Underlying is null && karg.Size < CSharpWidth(arg, pointerSize))
            {
                return $"whose {karg.Type} {karg.Name} keeps {karg.Size} of the {CSharpWidth(arg, pointerSize)} bytes of {arg.Type} {arg.Name}";
            }
        }
        return null;
    }
}
