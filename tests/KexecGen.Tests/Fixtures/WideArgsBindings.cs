using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator.Model;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// A consumer's table binding the syscalls whose 64-bit arguments need care on 32-bit ABIs (pread64, pwrite64,
/// fallocate, sync_file_range with its variant sync_file_range2), by name only, for every ABI of arches.yaml that
/// states an args64 rule; scanned from the kernel once per test run and built into the generator's model.
/// </summary>
public sealed class WideArgsBindings
{
    /// <summary>The syscalls bound, by name: their arguments come from the kernel's prototypes.</summary>
    public const string Syscalls = """
            - name: pread64
              method: Pread64
              doc: Reads count bytes at offset pos.
            - name: pwrite64
              method: Pwrite64
              doc: Writes count bytes at offset pos.
            - name: fallocate
              method: Fallocate
              doc: Allocates len bytes at offset.
            - name: sync_file_range
              method: SyncFileRange
              doc: Writes a range of a file's dirty pages out.
              variants: [sync_file_range2]

        """;

    private static readonly Lazy<WideArgsBindings> Shared = new(() => new WideArgsBindings());

    /// <summary>The one scan of this test run.</summary>
    public static WideArgsBindings Instance => Shared.Value;

    private WideArgsBindings()
    {
        Dir = Repo.CopyInputs();
        var path = Path.Combine(Dir, "arches.yaml");
        File.WriteAllText(path, WithBindings(File.ReadAllText(path)));
        var scan = HeaderScan.Run(Dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics));
        Arches = ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        Scanned = Arches.Abis.Select(a => Path.Combine(Dir, "headers", a.Name + ".yaml"))
            .Select(f => ScannedAbiReader.Read(f, File.ReadAllText(f)).Value!).ToList();
        var built = ModelBuilder.Build(Arches, Scanned, AbiTableScope.Full);
        Assert.True(built.Model is not null, string.Join("\n", built.Diagnostics));
        Model = built.Model!;
    }

    /// <summary>The folder holding arches.yaml and headers/.</summary>
    public string Dir { get; }

    /// <summary>Its arches.yaml.</summary>
    public ArchesSpec Arches { get; }

    /// <summary>Its headers, one per ABI.</summary>
    public IReadOnlyList<ScannedAbi> Scanned { get; }

    /// <summary>The generator's model of it.</summary>
    public BindingModel Model { get; }

    /// <summary>arches.yaml with these syscalls bound and without the ABIs that have no args64 rule (which would refuse them, KXG014).</summary>
    public static string WithBindings(string arches)
    {
        var text = arches.Replace("\r", "", StringComparison.Ordinal);
        const string syscalls = "\n  syscalls:\n";
        Assert.Contains(syscalls, text, StringComparison.Ordinal);
        text = text.Replace(syscalls, syscalls + Syscalls, StringComparison.Ordinal);
        // ABI entries run from "  - name:" to the next one, or to "bindings:".
        int start = text.IndexOf("\nabis:\n", StringComparison.Ordinal) + "\nabis:\n".Length, end = text.IndexOf("\nbindings:\n", StringComparison.Ordinal);
        var entries = text[start..end].Split("\n  - name: ");
        var kept = entries.Take(1).Concat(entries.Skip(1).Where(e => e.Contains("    args64: ", StringComparison.Ordinal)));
        return text[..start] + string.Join("\n  - name: ", kept) + text[end..];
    }

    /// <summary>The ABIs this table leaves out: those without an args64 rule.</summary>
    public IEnumerable<string> Omitted => Repo.Arches.Abis.Select(a => a.Name).Except(Arches.Abis.Select(a => a.Name));
}
