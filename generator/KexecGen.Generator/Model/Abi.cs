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
