using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

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
        Dir = Directory.CreateTempSubdirectory("kexecgen-catalogue-").FullName;
        Directory.CreateDirectory(Path.Combine(Dir, "headers"));
        var path = Path.Combine(Dir, "arches.yaml");
        File.WriteAllText(path, CatalogueTable.EveryAbi(File.ReadAllText(ProbeArchesPath), Repo.ArchesText));
        var scan = HeaderScan.Run(Dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics.Where(d => d.Severity == Severity.Error)));
        Warnings = scan.Diagnostics.Where(d => d.Severity == Severity.Warning).ToList();
        Arches = ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        Scanned = Arches.Abis.Select(a => Path.Combine(Dir, "headers", a.Name + ".yaml"))
            .Select(f => ScannedAbiReader.Read(f, File.ReadAllText(f)).Value!).ToList();
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
