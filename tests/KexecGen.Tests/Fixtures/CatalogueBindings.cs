using System;
using System.Collections.Generic;
using System.IO;
using KexecGen.Config;

namespace KexecGen.Tests;

/// <summary>
/// The catalogue of shapes: the bindings of tests/KexecGen.CatalogueProbe/Bindings/arches.yaml (50 syscalls, the
/// structs and unions they take, ioctl numbers) over every ABI of the repository's arches.yaml, scanned from the
/// kernel once per test run.
/// </summary>
public sealed class CatalogueBindings
{
    /// <summary>The probe's own table: its bindings, for the ABIs it builds for.</summary>
    public static string ProbeArchesPath => Path.Combine(Repo.Root, "tests", "KexecGen.CatalogueProbe", "Bindings", "arches.yaml");

    private static readonly Lazy<CatalogueBindings> Shared = new(() => new CatalogueBindings());

    /// <summary>The one scan of this test run.</summary>
    public static CatalogueBindings Instance => Shared.Value;

    private CatalogueBindings()
    {
        var table = ScannedTable.Scan("kexecgen-catalogue-", CatalogueTable.EveryAbi(File.ReadAllText(ProbeArchesPath), Repo.ArchesText));
        (Dir, Arches, Scanned, Warnings) = (table.Dir, table.Arches, table.Scanned, table.Warnings);
    }

    /// <summary>The folder holding arches.yaml and headers/.</summary>
    public string Dir { get; }

    /// <summary>Its arches.yaml: every ABI of the repository's.</summary>
    public ArchesSpec Arches { get; }

    /// <summary>Its headers, one per ABI.</summary>
    public IReadOnlyList<ScannedAbi> Scanned { get; }

    /// <summary>What the scan warned of (a selected macro that is no integer on an ABI).</summary>
    public IReadOnlyList<DiagnosticInfo> Warnings { get; }
}
