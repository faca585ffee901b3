using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

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
        Dir = Directory.CreateTempSubdirectory("kexecgen-full-table-").FullName;
        Directory.CreateDirectory(Path.Combine(Dir, "headers"));
        var path = Path.Combine(Dir, "arches.yaml");
        Names = FullTableText.TableNames(Repo.Arches);
        File.WriteAllText(path, FullTableText.Table(Repo.ArchesText, Names));
        var scan = HeaderScan.Run(Dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics.Where(d => d.Severity == Severity.Error)));
        Arches = ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        Scanned = Arches.Abis.Select(a => Path.Combine(Dir, "headers", a.Name + ".yaml"))
            .Select(f => ScannedAbiReader.Read(f, File.ReadAllText(f)).Value!).ToList();
    }

    /// <summary>The folder holding arches.yaml and headers/.</summary>
    public string Dir { get; }

    /// <summary>Every name of every ABI's table, in ordinal order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The table: every ABI of the repository's.</summary>
    public ArchesSpec Arches { get; }

    /// <summary>Its headers, one per ABI.</summary>
    public IReadOnlyList<ScannedAbi> Scanned { get; }
}
