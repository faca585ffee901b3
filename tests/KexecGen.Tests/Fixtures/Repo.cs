using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Tests;

/// <summary>The checked-in inputs, read straight from the repository.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ArchesPath => Path.Combine(Root, "arches.yaml");

    public static string ArchesText => File.ReadAllText(ArchesPath);

    public static IEnumerable<string> HeaderPaths => Directory.GetFiles(Path.Combine(Root, "headers"), "*.yaml").OrderBy(p => p, StringComparer.Ordinal);

    public static ArchesSpec Arches => ArchesParser.Parse(ArchesPath, ArchesText).Value ?? throw new InvalidOperationException("arches.yaml does not parse");

    /// <summary>The scanned file of <paramref name="abi"/>, parsed.</summary>
    public static ScannedAbi Scanned(string abi)
    {
        var path = Path.Combine(Root, "headers", abi + ".yaml");
        return ScannedAbiReader.Read(path, File.ReadAllText(path)).Value ?? throw new InvalidOperationException($"{path} does not parse");
    }

    /// <summary>A fresh copy of arches.yaml and headers/ (the repository's, or those of <paramref name="from"/>) in a temporary folder, for tests that change them.</summary>
    public static string CopyInputs(string? from = null)
    {
        from ??= Root;
        var dir = Path.Combine(Path.GetTempPath(), "kexecgen-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "headers"));
        File.Copy(Path.Combine(from, "arches.yaml"), Path.Combine(dir, "arches.yaml"));
        foreach (var file in Directory.GetFiles(Path.Combine(from, "headers"), "*.yaml")) File.Copy(file, Path.Combine(dir, "headers", Path.GetFileName(file)));
        return dir;
    }

    /// <summary>The 1-based line of the first line of <paramref name="text"/> containing <paramref name="needle"/>.</summary>
    public static int LineOf(string text, string needle)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(needle, StringComparison.Ordinal)) return i + 1;
        }
        throw new InvalidOperationException($"'{needle}' is not in the text");
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "arches.yaml")) && File.Exists(Path.Combine(d.FullName, "KexecGen.sln"))) return d.FullName;
        }
        throw new InvalidOperationException("no repository root above " + AppContext.BaseDirectory);
    }
}
