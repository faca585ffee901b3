using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The scanner on the real kernel headers of every ABI: drift, determinism, and a C compiler's second opinion.</summary>
public class ScannerTests
{
    public static TheoryData<string> Abis => new(Repo.Arches.Abis.Select(a => a.Name));

    [Theory]
    [MemberData(nameof(Abis))]
    public void CheckedInHeaders_EqualAFreshScan(string abi)
    {
        var spec = Repo.Arches;
        var scanned = AbiScanner.Scan(spec.Abis.Single(a => a.Name == abi), spec.Bindings);

        var expected = File.ReadAllText(Path.Combine(Repo.Root, "headers", abi + ".yaml"));
        Assert.Equal(expected, ScannedAbiFormat.Write(scanned));
    }

    [Theory]
    [MemberData(nameof(Abis))]
    public void Scan_IsDeterministic_AndAgreesWithArches(string abi)
    {
        var spec = Repo.Arches;
        var entry = spec.Abis.Single(a => a.Name == abi);
        var first = AbiScanner.Scan(entry, spec.Bindings);
        var second = AbiScanner.Scan(entry, spec.Bindings);

        Assert.Equal(ScannedAbiFormat.Write(first), ScannedAbiFormat.Write(second));
        Assert.Empty(ArchesCheck.Compare(entry, spec.Bindings, first));
        Assert.NotNull(first.Syscalls.Single(s => s.Name == "kexec_load").Number); // every ABI listed defines it
        Assert.True(first.Inputs.Count > 5, "the scan should record every header it read");
    }

    // The benchmarks bind getppid from a table of their own; its numbers are held to the same check.
    [Fact]
    public void BenchmarkBindings_EqualAFreshScan_AndTheirTable()
    {
        var result = HeaderScan.Run(Path.Combine(Repo.Root, "tests", "KexecGen.Benchmarks", "Bindings"), Array.Empty<string>(), write: false);

        Assert.True(result.Ok, string.Join("\n", result.Report.Concat(result.Diagnostics.Select(d => d.ToString()))));
        Assert.Equal(2, result.Report.Count(l => l.Contains("matches a fresh scan", StringComparison.Ordinal)));
    }

    [Fact]
    public void WrongNumberInACopyOfArches_IsCaught_AtItsLine()
    {
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "arches.yaml");
        var text = File.ReadAllText(path);
        var line = Repo.LineOf(text, "kexec_file_load: 320");
        File.WriteAllText(path, text.Replace("kexec_file_load: 320", "kexec_file_load: 321", StringComparison.Ordinal));

        var result = HeaderScan.Run(dir, Array.Empty<string>(), write: false);

        Assert.False(result.Ok);
        var d = Assert.Single(result.Diagnostics, x => x.Id == "KXG004");
        Assert.Equal(path, d.Location.Path);
        Assert.Equal(line, d.Location.Line);
        Assert.Contains("321", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EditedHeadersFile_IsReportedAsDrift()
    {
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "headers", "x86_64.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("offset: 8,", "offset: 4,", StringComparison.Ordinal));

        var result = HeaderScan.Run(dir, new[] { "x86_64" }, write: false);

        Assert.False(result.Ok);
        Assert.Contains(result.Diagnostics, d => d.Id == "KXG010" && d.Location.Path == path);
    }

    [Fact]
    public void MissingIncludeDirectory_FailsLoudly_NamingThePackage()
    {
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "arches.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("/usr/aarch64-linux-gnu/include", "/nonexistent/include", StringComparison.Ordinal));

        var e = Assert.Throws<ScanException>(() => HeaderScan.Run(dir, new[] { "arm64" }, write: false));
        Assert.Contains("linux-libc-dev-arm64-cross", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A second compiler's opinion, the way the libc crate's ctest works: gcc compiles a program that prints every
    /// scanned constant and the kexec_segment layout for the host ABI, and its output must equal the scanned file.
    /// </summary>
    [Fact]
    public void HostAbi_ScannedValues_EqualWhatGccComputes()
    {
        var spec = Repo.Arches;
        var host = spec.Abis.SingleOrDefault(a => a.RunsAs(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString()));
        Assert.True(host is not null, "the host's architecture has no ABI in arches.yaml");
        var scanned = Repo.Scanned(host!.Name);

        var c = new System.Text.StringBuilder();
        foreach (var h in scanned.Scanned) c.Append("#include <").Append(h).Append(">\n");
        c.Append("#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
        foreach (var k in scanned.Constants) c.Append($"  printf(\"{k.Name} %lld\\n\", (long long)({k.Name}));\n");
        foreach (var s in scanned.Structs)
        {
            c.Append($"  printf(\"sizeof {s.Name} %zu\\n\", sizeof(struct {s.Name}));\n");
            c.Append($"  printf(\"alignof {s.Name} %zu\\n\", _Alignof(struct {s.Name}));\n");
            foreach (var f in s.Fields) c.Append($"  printf(\"offsetof {s.Name}.{f.Name} %zu\\n\", offsetof(struct {s.Name}, {f.Name}));\n");
        }
        foreach (var call in scanned.Syscalls.Where(x => x.Number is not null)) c.Append($"  printf(\"__NR_{call.Name} %d\\n\", __NR_{call.Name});\n");
        c.Append("  return 0;\n}\n");

        var expected = scanned.Constants.Select(k => $"{k.Name} {k.Value}")
            .Concat(scanned.Structs.SelectMany(s => new[] { $"sizeof {s.Name} {s.Size}", $"alignof {s.Name} {s.Align}" }
                .Concat(s.Fields.Select(f => $"offsetof {s.Name}.{f.Name} {f.Offset}"))))
            .Concat(scanned.Syscalls.Where(x => x.Number is not null).Select(x => $"__NR_{x.Name} {x.Number}"));

        var dir = Path.Combine(Path.GetTempPath(), "kexecgen-gcc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "probe.c"), c.ToString());
        // The ABI's kernel headers come first; libc's <stdio.h> from the host.
        Run("gcc", $"-std=gnu11 {string.Join(" ", host.Include.Select(i => "-I" + i))} -o {dir}/probe {dir}/probe.c", out _);
        Run(Path.Combine(dir, "probe"), "", out var printed);

        Assert.Equal(expected, printed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static void Run(string file, string args, out string stdout)
    {
        var (code, output, stderr) = ProcessRunner.Run(file, TimeSpan.FromMinutes(1), args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(code == 0, $"{file} {args} failed ({code}): {stderr}");
        stdout = output;
    }
}
