using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>An ABI as one .NET architecture runs it.</summary>
internal sealed record DotNetAbi(string Architecture, Abi Abi)
{
    public AbiSpec Spec => Abi.Spec;

    public ScannedAbi Scanned => Abi.Scanned;

    public ScannedConstant? Constant(string name) => Abi.Constant(name);
}

/// <summary>An ABI of arches.yaml with its scanned headers, its constants indexed by name.</summary>
internal sealed class Abi(AbiSpec spec, ScannedAbi scanned)
{
    private readonly Dictionary<string, ScannedConstant> _constants = Index(scanned.Constants);

    public AbiSpec Spec { get; } = spec;

    public ScannedAbi Scanned { get; } = scanned;

    public ScannedConstant? Constant(string name) => _constants.TryGetValue(name, out var c) ? c : null;

    private Dictionary<string, ScannedPrototype>? _prototypes;
    private Dictionary<string, ScannedSyscall>? _syscalls;

    /// <summary>The kernel's prototype of syscall <paramref name="name"/>, or null.</summary>
    public ScannedPrototype? Prototype(string name) => (_prototypes ??= Index(Scanned.Prototypes, p => p.Name)).TryGetValue(name, out var p) ? p : null;

    /// <summary>
    /// The rows of the ABI's table whose entry point is <paramref name="symbol"/> (the scanned prototypes that reach it),
    /// in name order: i386's chown32 for sys_chown.
    /// </summary>
    public IEnumerable<ScannedPrototype> Reaching(string symbol) =>
        (_reaching ??= Scanned.Prototypes.Where(p => Number(p.Name) is not null).OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToLookup(p => ReachedEntry.Of(p).Symbol, StringComparer.Ordinal))[symbol];

    private ILookup<string, ScannedPrototype>? _reaching;

    /// <summary>The number of syscall <paramref name="name"/>, or null where the ABI lacks it.</summary>
    public long? Number(string name) => (_syscalls ??= Index(Scanned.Syscalls, s => s.Name)).TryGetValue(name, out var s) ? s.Number : null;

    private static Dictionary<string, T> Index<T>(EquatableArray<T> items, Func<T, string> name) where T : IEquatable<T>
    {
        var index = new Dictionary<string, T>(items.Count, StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!index.ContainsKey(name(item))) index.Add(name(item), item);
        }
        return index;
    }

    // By name; where a name is given twice, the first.
    private static Dictionary<string, ScannedConstant> Index(EquatableArray<ScannedConstant> constants)
    {
        var index = new Dictionary<string, ScannedConstant>(constants.Count, StringComparer.Ordinal);
        foreach (var c in constants)
        {
            if (!index.ContainsKey(c.Name)) index.Add(c.Name, c);
        }
        return index;
    }
}

/// <summary>
/// The function an ABI's syscall table really runs for a row, and the arguments the kernel reads there: the row's entry
/// point where it is not <c>sys_NAME</c> (i386's clock_gettime runs sys_clock_gettime32, x86_64's uname sys_newuname).
/// </summary>
/// <param name="Symbol">The entry point: sys_NAME, or the one the table names.</param>
/// <param name="Args">Its arguments; the row's own prototype's where the entry point's declaration is not known.</param>
/// <param name="Source">Where it is declared; "" where the kernel source does not show it once.</param>
internal readonly record struct ReachedEntry(string Symbol, EquatableArray<ScannedArg> Args, string Source)
{
    /// <summary>The entry point of a number the kernel does not implement: it answers ENOSYS whatever is passed.</summary>
    public const string NotImplemented = ScannedPrototype.NotImplementedEntry;

    /// <summary>Whether the kernel runs nothing there.</summary>
    public bool IsNotImplemented => Symbol == NotImplemented;

    /// <summary>What <paramref name="prototype"/>'s row reaches.</summary>
    public static ReachedEntry Of(ScannedPrototype prototype) =>
        prototype.Entry is not { } entry ? new("sys_" + prototype.Name, prototype.Args, prototype.Source)
        : prototype.EntrySource.Length == 0 ? new(entry, prototype.Args, "")
        : prototype.EntrySource == prototype.Source && prototype.EntryArgs.Count == 0 ? new(entry, prototype.Args, prototype.Source)
        : new(entry, prototype.EntryArgs, prototype.EntrySource);
}

