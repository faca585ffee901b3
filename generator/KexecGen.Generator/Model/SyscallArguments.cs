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
    /// <summary>The C# parameters of <paramref name="spec"/> and, for every ABI, what its stub calls and passes.</summary>
    public static (List<ArgModel> Args, List<AbiCallModel> Calls) Resolve(
        SyscallSpec spec, List<Abi> abis, List<EnumModel> enums, List<StructModel> structs, HashSet<string> known, List<DiagnosticInfo> diagnostics)
    {
        var args = Parameters(spec, abis, enums, structs, known, diagnostics);
        var calls = new List<AbiCallModel>();
        var problems = new AbiProblems();
        foreach (var abi in abis)
        {
            calls.Add(args is null ? new AbiCallModel(abi.Spec.Name, null, null, EquatableArray<RegisterModel>.Empty)
                : Lower(spec, abi, args, problems));
        }
        problems.Report(spec, diagnostics);
        return (args ?? new List<ArgModel>(), calls);
    }

    // The problems found ABI by ABI, reported once each with every ABI that has it (not 29 times).
    private sealed class AbiProblems
    {
        private readonly List<(DiagnosticKind Kind, LocationInfo At, string Detail, List<string> Abis)> _found = new();

        public void Add(DiagnosticKind kind, LocationInfo at, string detail, string abi)
        {
            var same = _found.FirstOrDefault(f => f.Kind == kind && f.At == at && f.Detail == detail);
            if (same.Abis is not null) same.Abis.Add(abi);
            else _found.Add((kind, at, detail, new List<string> { abi }));
        }

        public void Report(SyscallSpec spec, List<DiagnosticInfo> diagnostics)
        {
            foreach (var (kind, at, detail, abis) in _found)
            {
                diagnostics.Add(kind == DiagnosticTable.NoArgs64Rule ? Diagnose.NoArgs64Rule(at, spec.Name, abis, detail)
                    : kind == DiagnosticTable.ArgumentUnchecked ? Diagnose.ArgumentUnchecked(at, spec.Name, abis, detail)
                    : Diagnose.PrototypeMismatch(at, spec.Name, abis, detail));
            }
        }
    }

    // The C# parameters: arches.yaml's, each type given or taken from the kernel's prototype; or all from the prototype.
    private static List<ArgModel>? Parameters(SyscallSpec spec, List<Abi> abis, List<EnumModel> enums, List<StructModel> structs, HashSet<string> known, List<DiagnosticInfo> diagnostics)
    {
        // The prototypes the types are taken from: those of the ABIs .NET runs on where there are any, else every ABI's.
        var withPrototype = abis.Where(a => Prototype(a, spec.Name) is not null).ToList();
        var typing = withPrototype.Any(a => a.Spec.DotNet.Count > 0) ? withPrototype.Where(a => a.Spec.DotNet.Count > 0).ToList() : withPrototype;
        var reference = typing.Select(a => Prototype(a, spec.Name)!).FirstOrDefault();
        bool needsPrototype = !spec.ArgsGiven || spec.Args.Any(a => a.Type is null);
        if (reference is null && needsPrototype)
        {
            diagnostics.Add(Diagnose.PrototypeMismatch(spec.Location, spec.Name, abis.Select(a => a.Spec.Name),
                $"the kernel declares no sys_{spec.Name} in include/linux/syscalls.h or the ABI's arch/<ARCH>/include/asm/syscalls.h (or declares it more than once, per configuration), so its arguments must be typed under args"));
            return null;
        }
        if (spec.ArgsGiven && reference is not null && spec.Args.Count != reference.Args.Count)
        {
            diagnostics.Add(Diagnose.PrototypeMismatch(spec.Location, spec.Name, typing.Select(a => a.Spec.Name),
                $"arches.yaml gives {spec.Args.Count} argument(s), the kernel's prototype ({reference.Source}) has {reference.Args.Count}: {Show(reference)}"));
            return null;
        }

        var result = new List<ArgModel>();
        int count = spec.ArgsGiven ? spec.Args.Count : reference!.Args.Count;
        for (int i = 0; i < count; i++)
        {
            var given = spec.ArgsGiven ? spec.Args[i] : null;
            var kernel = reference?.Args[i];
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
            var doc = given?.Doc is { Length: > 0 } d ? d : kernel is null ? "" : $"The kernel's {kernel.Type} {kernel.Name}.";
            result.Add(new ArgModel(CSharpNames.Escaped(CSharpNames.CamelCase(name)), kernel?.Name ?? name, type, underlying, doc));
        }
        return result;
    }

    // The C# type standing for the kernel's argument i on the typing ABIs: a pointer to a bound struct, byte* for
    // char pointers, void* for any other pointer; an integer of the width every ABI gives it, or nint/nuint where that
    // width is the pointer's.
    private static string? CSharpType(SyscallSpec spec, int i, List<Abi> typing, List<StructModel> structs, LocationInfo at, List<DiagnosticInfo> diagnostics)
    {
        var args = typing.Select(a => (Abi: a, Arg: Prototype(a, spec.Name)!.Args.ElementAtOrDefault(i))).Where(p => p.Arg is not null).ToList();
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

    // What the ABI calls: the syscall itself, or the first variant it has; its arguments checked and lowered to registers.
    private static AbiCallModel Lower(SyscallSpec spec, Abi abi, List<ArgModel> args, AbiProblems problems)
    {
        var name = abi.Spec.Name;
        var called = new[] { spec.Name }.Concat(spec.Variants).FirstOrDefault(n => Number(abi, n) is not null);
        if (called is null) return new AbiCallModel(name, null, null, EquatableArray<RegisterModel>.Empty);
        long number = Number(abi, called)!.Value;
        var prototype = Prototype(abi, called);
        int pointerSize = abi.Scanned.PointerSize;
        // The ABI has the call, but its problem (reported) leaves it no registers: the model is refused.
        AbiCallModel Refused() => new(name, called, number, EquatableArray<RegisterModel>.Empty);

        // The C# argument for each of the called prototype's arguments, in the prototype's order, with the kernel's width.
        var order = new List<(ArgModel Arg, int Width)>();
        if (prototype is null)
        {
            if (called != spec.Name)
            {
                problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location, $"it has only the variant {called}, whose prototype the kernel does not declare once, so its arguments cannot be matched", name);
                return Refused();
            }
            problems.Add(DiagnosticTable.ArgumentUnchecked, spec.Location,
                $"the kernel declares no sys_{spec.Name} there (or declares it more than once, per configuration), so the arguments typed here are passed as typed, unchecked", name);
            order.AddRange(args.Select(a => (a, CSharpWidth(a, pointerSize))));
        }
        else if (called == spec.Name)
        {
            if (prototype.Args.Count != args.Count)
            {
                problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location, $"{args.Count} argument(s) here, {prototype.Args.Count} in the kernel's prototype ({prototype.Source}): {Show(prototype)}", name);
                return Refused();
            }
            for (int i = 0; i < args.Count; i++) order.Add((args[i], prototype.Args[i].Size));
        }
        else
        {
            // A variant takes the same arguments in its own order: matched by the kernel's names (sync_file_range2).
            if (prototype.Args.Count != args.Count)
            {
                problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location, $"its variant {called} takes {prototype.Args.Count} argument(s), {spec.Name} {args.Count}", name);
                return Refused();
            }
            foreach (var karg in prototype.Args)
            {
                var match = args.FirstOrDefault(a => a.CName == karg.Name);
                if (match is null)
                {
                    problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location, $"its variant {called} ({prototype.Source}) has an argument {karg.Name} that {spec.Name} has not; variants must take the same arguments", name);
                    return Refused();
                }
                order.Add((match, karg.Size));
            }
        }
        if (prototype is not null && !Check(spec, abi, prototype, order.Select(o => o.Arg).ToList(), problems))
        {
            return Refused();
        }

        // An entry point of the ABI's own that takes the same arguments in another order (csky's and arm's
        // fadvise64_64 take advice second) is followed: its order, its widths.
        if (prototype is { Entry: not null, EntryArgs.Count: > 0 } && prototype.EntryArgs.Count == order.Count
            && prototype.EntryArgs.Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal).SequenceEqual(order.Select(o => o.Arg.CName).OrderBy(n => n, StringComparer.Ordinal)))
        {
            order = prototype.EntryArgs.Select(a => (order.First(o => o.Arg.CName == a.Name).Arg, a.Size)).ToList();
        }
        var rule = abi.Spec.Args64;
        var slots = Slots(order.Select(o => o.Width).ToList(), abi, padded: rule?.Padded.Contains(called) == true, out int failed);
        if (slots is null)
        {
            var (arg, width) = order[failed];
            if (width == 8) problems.Add(DiagnosticTable.NoArgs64Rule, spec.Location, arg.CName, name);
            else problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location, $"argument {arg.CName} is {width} bytes wide, more than any register pair holds", name);
            return Refused();
        }
        var registers = slots.Select(slot => slot.Index < 0 ? RegisterModel.Padding
            : new RegisterModel(slot.Kind, order[slot.Index].Arg.Name, order[slot.Index].Arg.Underlying, order[slot.Index].Arg.Type)).ToList();
        if (registers.Count > MaxRegisters && abi.Spec.DotNet.Count > 0)
        {
            problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location, $"it takes {registers.Count} registers there, and libc's syscall() passes at most {MaxRegisters}", name);
            return Refused();
        }
        if (prototype?.Entry is { } entry && entry != NotImplementedEntry
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

    /// <summary>The entry point of a syscall number the kernel does not implement: it answers ENOSYS whatever is passed.</summary>
    private const string NotImplementedEntry = "sys_ni_syscall";

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
        if (prototype.EntrySource.Length == 0)
        {
            problems.Add(DiagnosticTable.ArgumentUnchecked, spec.Location,
                $"the syscall table routes {prototype.Name} to {prototype.Entry}, which the kernel source here does not declare once, so the registers are unchecked against it", name);
            return true;
        }
        var entrySlots = Slots(prototype.EntryArgs.Select(a => a.Size).ToList(), abi, padded: false, out _);
        var taken = entrySlots?.Select(x => x.Index < 0 ? null : Label(prototype.EntryArgs[x.Index].Name, x.Kind)).ToList();
        bool agree = taken is not null && taken.Count == passed.Count && taken.Select((entryArg, i) => Agrees(entryArg, passed, i)).All(ok => ok);
        if (agree) return true;
        string Show(IEnumerable<string?> registers) => string.Join(", ", registers.Select(r => r ?? "0"));
        problems.Add(DiagnosticTable.PrototypeMismatch, spec.Location,
            $"the syscall table routes {prototype.Name} to {prototype.Entry} ({prototype.EntrySource}), which takes {(taken is null ? "registers KexecGen cannot lay out" : $"{taken.Count} registers ({Show(taken)})")}; the stub would pass {passed.Count} ({Show(passed)}): bind that entry point's own arguments for this ABI, or leave it out", name);
        return false;
    }

    /// <summary>The most registers libc's <c>syscall()</c> passes after the number.</summary>
    public const int MaxRegisters = 6;

    // Pointer-ness and width of each argument against the kernel's on this ABI: narrower is an error (bits would be
    // lost), wider a warning (the kernel reads only its own width). An enum is checked by its values, which fit.
    private static bool Check(SyscallSpec spec, Abi abi, ScannedPrototype prototype, List<ArgModel> ordered, AbiProblems problems)
    {
        bool ok = true;
        for (int i = 0; i < ordered.Count; i++)
        {
            var arg = ordered[i];
            var kernel = prototype.Args[i];
            var at = spec.Args.FirstOrDefault(a => a.Name == arg.CName || CSharpNames.Escaped(CSharpNames.CamelCase(a.Name)) == arg.Name)?.Location ?? spec.Location;
            bool csPointer = arg.Type.EndsWith("*", StringComparison.Ordinal);
            bool csAddress = csPointer || arg.Type is "nint" or "nuint";
            string what = $"argument {arg.CName}, typed '{arg.Type}', is the kernel's '{kernel.Type} {kernel.Name}' ({prototype.Source})";
            if (kernel.Kind == ScannedArg.Pointer && !csAddress)
            {
                problems.Add(DiagnosticTable.PrototypeMismatch, at, $"{what}, a pointer: type it as a pointer, nint or nuint", abi.Spec.Name);
                ok = false;
                continue;
            }
            if (kernel.Kind != ScannedArg.Pointer && csPointer)
            {
                problems.Add(DiagnosticTable.PrototypeMismatch, at, $"{what}, an integer, not a pointer", abi.Spec.Name);
                ok = false;
                continue;
            }
            if (kernel.Size == 0) continue; // a type the compiler could not size: passed as typed, one register
            int width = CSharpWidth(arg, abi.Scanned.PointerSize);
            if (width < kernel.Size && arg.Underlying is null)
            {
                problems.Add(DiagnosticTable.PrototypeMismatch, at, $"{what}: {width} bytes here, {kernel.Size} in the kernel, so values would lose bits; type it at least as wide", abi.Spec.Name);
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
}
