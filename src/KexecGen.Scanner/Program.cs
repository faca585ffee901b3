using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>kexecgen-scan: writes headers/ from arches.yaml and the kernel headers, or checks that they still agree.</summary>
public static class Program
{
    private const string Usage = """
        usage: kexecgen-scan scan  [--root DIR] [--abi NAME]...   re-scan the kernel headers into DIR/headers/
               kexecgen-scan check [--root DIR] [--abi NAME]...   re-scan and fail on any drift or wrong number
               kexecgen-scan requirements [--root DIR]             what the scan needs installed: "apt PACKAGE" and
                                                                   "uapi ARCH INSTALL_HDR_PATH SOURCE-PACKAGE" and
                                                                   "source prototypes DIR SOURCE-PACKAGE" lines (.ci/run reads them)
        DIR defaults to the nearest folder above the current one that holds arches.yaml.
        """;

    /// <summary>Runs the command; returns 0 on success, 1 on drift or a bad number, 2 on bad usage or input.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("scan" or "check" or "requirements"))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        string? root = null;
        var only = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--root" && i + 1 < args.Length) root = args[++i];
            else if (args[i] == "--abi" && i + 1 < args.Length) only.Add(args[++i]);
            else
            {
                Console.Error.WriteLine($"kexecgen-scan: unknown argument '{args[i]}'\n{Usage}");
                return 2;
            }
        }
        root ??= FindRoot(Directory.GetCurrentDirectory());
        if (root is null)
        {
            Console.Error.WriteLine("kexecgen-scan: no arches.yaml in this folder or above it; pass --root");
            return 2;
        }
        try
        {
            if (args[0] == "requirements") return Requirements(root);
            var result = HeaderScan.Run(root, only, write: args[0] == "scan");
            foreach (var line in result.Report) Console.WriteLine(line);
            foreach (var d in result.Diagnostics) Console.Error.WriteLine(d);
            return result.Ok ? 0 : 1;
        }
        catch (ScanException e)
        {
            Console.Error.WriteLine($"kexecgen-scan: {e.Message}");
            return 2;
        }
    }

    // Every Debian package the ABIs' headers and compilers come from, and the headers made from kernel sources.
    private static int Requirements(string root)
    {
        var path = Path.Combine(root, ArchesParser.FileName);
        var parsed = ArchesParser.ParseFile(path);
        foreach (var d in parsed.Diagnostics) Console.Error.WriteLine(d);
        if (parsed.Value is not { } arches) return 2;
        var packages = arches.Abis.Where(a => a.Gcc is not null).SelectMany(a => new[] { a.Gcc!.Package, a.Gcc.Libc }).Where(p => p is not null).Select(p => p!);
        foreach (var package in packages.Distinct().OrderBy(p => p, StringComparer.Ordinal)) Console.WriteLine($"apt {package}");
        foreach (var arch in arches.Abis.Select(a => a.KernelArch).Distinct().OrderBy(a => a, StringComparer.Ordinal))
        {
            Console.WriteLine($"uapi {arch} {Path.GetDirectoryName(arches.Kernel.IncludeOf(arch))} {arches.Kernel.Package}");
        }
        Console.WriteLine($"source prototypes {arches.Kernel.SourceFolder} {arches.Kernel.Package}");
        return 0;
    }

    private static string? FindRoot(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, ArchesParser.FileName))) return d.FullName;
        }
        return null;
    }
}

/// <summary>What a scan or check found.</summary>
/// <param name="Ok">No error: every file matched (check) or was written (scan), every number agreed.</param>
/// <param name="Report">One line per ABI: what was done and how long it took.</param>
/// <param name="Diagnostics">Every problem, with its file and line.</param>
public sealed record ScanResult(bool Ok, IReadOnlyList<string> Report, IReadOnlyList<DiagnosticInfo> Diagnostics);

/// <summary>Scans every ABI of an arches.yaml, then writes headers/ or compares with it.</summary>
public static class HeaderScan
{
    /// <summary>Scans the ABIs of <paramref name="root"/>/arches.yaml (or only those named); writes their files or checks them.</summary>
    public static ScanResult Run(string root, IReadOnlyCollection<string> only, bool write)
    {
        var archesPath = Path.Combine(root, ArchesParser.FileName);
        var parsed = ArchesParser.ParseFile(archesPath);
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var report = new List<string>();
        if (parsed.Value is not { } arches) return new ScanResult(false, report, diagnostics);

        var unknown = only.Where(n => arches.Abis.All(a => a.Name != n)).ToList();
        if (unknown.Count > 0) throw new ScanException($"no ABI named {string.Join(", ", unknown)} in {archesPath}");
        var folder = Path.Combine(root, ScannedAbiFormat.Folder);
        Directory.CreateDirectory(folder);
        var total = Stopwatch.StartNew();
        var unevaluated = new List<UnevaluatedMacro>();
        var unscanned = new List<UnscannedStruct>();
        foreach (var abi in arches.Abis.Where(a => only.Count == 0 || only.Contains(a.Name)))
        {
            var watch = Stopwatch.StartNew();
            var scanned = AbiScanner.Scan(abi, arches.Bindings, arches.Kernel, unevaluated, unscanned);
            var text = ScannedAbiFormat.Write(scanned);
            var file = Path.Combine(folder, abi.Name + ".yaml");
            diagnostics.AddRange(ArchesCheck.Compare(arches, abi, scanned with { Path = file }));
            if (write)
            {
                File.WriteAllText(file, text);
                report.Add($"{abi.Name}: wrote {Path.GetRelativePath(root, file)} (kernel {scanned.Kernel}, {scanned.Constants.Count} constants) in {watch.ElapsedMilliseconds} ms");
            }
            else if (!File.Exists(file) || InputBounds.ReadFile(file, out _) != text) // one past the bounds differs unread
            {
                diagnostics.Add(Diagnose.StaleHeaders(LocationInfo.FileStart(file), abi.Name,
                    File.Exists(file) ? "it differs from a fresh scan of the kernel headers" : "it does not exist") with { Severity = Severity.Error });
            }
            else
            {
                report.Add($"{abi.Name}: {Path.GetRelativePath(root, file)} matches a fresh scan ({watch.ElapsedMilliseconds} ms)");
            }
        }
        if (write)
        {
            // Old output goes, so a removed ABI leaves no stale file behind.
            foreach (var stale in Directory.GetFiles(folder, "*.yaml").Where(f => arches.Abis.All(a => a.Name + ".yaml" != Path.GetFileName(f))))
            {
                File.Delete(stale);
                report.Add($"removed {Path.GetRelativePath(root, stale)}: arches.yaml has no such ABI");
            }
        }
        // One warning a macro, naming every ABI it did not evaluate on, at the rule that selected it.
        foreach (var group in unevaluated.GroupBy(u => (u.Name, u.File)))
        {
            var rule = arches.Bindings.Constants.FirstOrDefault(r => r.Matches(group.Key.Name, group.Key.File));
            diagnostics.Add(Diagnose.Unevaluated(rule?.Location ?? LocationInfo.FileStart(archesPath), group.Key.Name, group.Key.File, group.Select(u => u.Abi)));
        }
        // A struct the scan cannot lay out is said at its entry, once for the ABIs alike; the rest of the scan stands.
        foreach (var group in unscanned.GroupBy(u => (u.Name, u.Why)))
        {
            var at = arches.Bindings.Structs.FirstOrDefault(s => s.CName == group.Key.Name)?.Location ?? LocationInfo.FileStart(archesPath);
            diagnostics.Add(Diagnose.Unscanned(at, group.Key.Name, group.Key.Why, group.Select(u => u.Abi)));
        }
        report.Add($"{(write ? "scanned" : "checked")} in {total.ElapsedMilliseconds} ms");
        return new ScanResult(!Diagnose.HasErrors(diagnostics), report, diagnostics);
    }
}
