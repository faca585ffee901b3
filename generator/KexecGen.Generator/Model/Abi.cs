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
    private readonly Dictionary<string, ScannedConstant> _constants = scanned.Constants
        .GroupBy(c => c.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    public AbiSpec Spec { get; } = spec;

    public ScannedAbi Scanned { get; } = scanned;

    public ScannedConstant? Constant(string name) => _constants.TryGetValue(name, out var c) ? c : null;
}
