using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>A table written into a temporary folder of its own and scanned from the kernel there, as a consumer scans one.</summary>
/// <param name="Dir">The folder holding arches.yaml and headers/.</param>
/// <param name="Arches">Its arches.yaml.</param>
/// <param name="Scanned">Its headers, one per ABI, in the table's order.</param>
/// <param name="Warnings">What the scan warned of (a selected macro that is no integer on an ABI).</param>
public sealed record ScannedTable(string Dir, ArchesSpec Arches, IReadOnlyList<ScannedAbi> Scanned, IReadOnlyList<DiagnosticInfo> Warnings)
{
    /// <summary>Writes <paramref name="archesText"/> into a new folder named from <paramref name="prefix"/> and scans it; a scan error fails the test.</summary>
    public static ScannedTable Scan(string prefix, string archesText)
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "headers"));
        var path = Path.Combine(dir, ArchesParser.FileName);
        File.WriteAllText(path, archesText);
        var scan = HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics.Where(d => d.Severity == Severity.Error)));
        var arches = ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        var scanned = arches.Abis.Select(a => Path.Combine(dir, "headers", a.Name + ".yaml"))
            .Select(f => ScannedAbiReader.Read(f, File.ReadAllText(f)).Value!).ToList();
        return new ScannedTable(dir, arches, scanned, scan.Diagnostics.Where(d => d.Severity == Severity.Warning).ToList());
    }
}
