using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator.Model;

namespace KexecGen.Tests;

/// <summary>
/// The whole syscall table by name: every syscall of every ABI's table (the repository's ABI entries, their table files
/// and columns), bound as a consumer binds them — <c>{ name: X, method: PascalCase(X) }</c> and nothing else — for every
/// ABI, scanned from the kernel once per test run.
/// </summary>
public sealed class FullTableBindings
{
    private static readonly Lazy<FullTableBindings> Shared = new(() => new FullTableBindings());

    /// <summary>The one scan of this test run.</summary>
    public static FullTableBindings Instance => Shared.Value;

    private FullTableBindings()
    {
        Names = FullTableText.TableNames(Repo.Arches);
        var table = ScannedTable.Scan("kexecgen-full-table-", FullTableText.Table(Repo.ArchesText, Names));
        (Dir, Arches, Scanned) = (table.Dir, table.Arches, table.Scanned);
        _built = new Lazy<ModelResult>(() => ModelBuilder.Build(Arches, Scanned.ToList(), AbiTableScope.Full, layoutAbi: "x86_64"));
    }

    private readonly Lazy<ModelResult> _built;

    /// <summary>The model of every ABI (the full ABI table), its structs laid out for x86_64: built once per test run.</summary>
    public ModelResult Built => _built.Value;

    /// <summary>The function the row <paramref name="row"/> of <paramref name="abi"/>'s table runs, as the scan recorded it; "?" where it has none.</summary>
    public string Runs(string abi, string row) =>
        Scanned.Single(s => s.Abi == abi).Prototypes.FirstOrDefault(p => p.Name == row) is { } p ? p.Entry ?? "sys_" + row : "?";

    /// <summary>The folder holding arches.yaml and headers/.</summary>
    public string Dir { get; }

    /// <summary>Every name of every ABI's table, in ordinal order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The table: every ABI of the repository's.</summary>
    public ArchesSpec Arches { get; }

    /// <summary>Its headers, one per ABI.</summary>
    public IReadOnlyList<ScannedAbi> Scanned { get; }
}
