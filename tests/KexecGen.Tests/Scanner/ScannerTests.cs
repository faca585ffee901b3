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
        var scanned = AbiScanner.Scan(spec.Abis.Single(a => a.Name == abi), spec.Bindings, spec.Kernel);

        var expected = File.ReadAllText(Path.Combine(Repo.Root, "headers", abi + ".yaml"));
        Assert.Equal(expected, ScannedAbiFormat.Write(scanned));
    }

    [Theory]
    [MemberData(nameof(Abis))]
    public void Scan_IsDeterministic_AndAgreesWithArches(string abi)
    {
        var spec = Repo.Arches;
        var entry = spec.Abis.Single(a => a.Name == abi);
        var first = AbiScanner.Scan(entry, spec.Bindings, spec.Kernel);
        var second = AbiScanner.Scan(entry, spec.Bindings, spec.Kernel);

        Assert.Equal(ScannedAbiFormat.Write(first), ScannedAbiFormat.Write(second));
        Assert.Empty(ArchesCheck.Compare(spec, entry, first));
        Assert.NotNull(first.Syscalls.Single(s => s.Name == "kexec_load").Number); // every ABI listed defines it
        Assert.True(first.Inputs.Count > 5, "the scan should record every header it read");
    }

    // The tool, the benchmarks and the probes bind from tables of their own; their numbers are held to the same check.
    [Theory]
    [InlineData("src/KexecGen.Cli", 2)]
    [InlineData("tests/KexecGen.Benchmarks", 2)]
    [InlineData("tests/KexecGen.WideArgsProbe", 4)]
    [InlineData("tests/KexecGen.CatalogueProbe", 4)]
    [InlineData("tests/KexecGen.RunProbe", 2)]
    [InlineData("tests/KexecGen.Tests/Fixtures/EntryPoints", 5)]
    public void OtherBindings_EqualAFreshScan_AndTheirTable(string project, int abis)
    {
        var folder = Path.Combine(Repo.Root, project, "Bindings");
        var result = HeaderScan.Run(Directory.Exists(folder) ? folder : Path.Combine(Repo.Root, project), Array.Empty<string>(), write: false);

        Assert.True(result.Ok, string.Join("\n", result.Report.Concat(result.Diagnostics.Select(d => d.ToString()))));
        Assert.Equal(abis, result.Report.Count(l => l.Contains("matches a fresh scan", StringComparison.Ordinal)));
    }

    [Fact]
    public void WrongNumberInACopyOfArches_IsCaught_AtItsLine()
    {
        // A number a person chose to state as a cross-check, one more than x86_64's headers say.
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "arches.yaml");
        var text = File.ReadAllText(path).Replace("    triple: x86_64-linux-gnu\n", "    triple: x86_64-linux-gnu\n    syscalls: { kexec_file_load: 321 }\n", StringComparison.Ordinal);
        var line = Repo.LineOf(text, "kexec_file_load: 321");
        File.WriteAllText(path, text);

        var result = HeaderScan.Run(dir, Array.Empty<string>(), write: false);

        Assert.False(result.Ok);
        var d = Assert.Single(result.Diagnostics, x => x.Id == "KXG004");
        Assert.Equal(path, d.Location.Path);
        Assert.Equal(line, d.Location.Line);
        Assert.Contains("321", d.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Newcomer_AddsASyscallAndAnAbi_ByWritingWhatOnlyAPersonKnows_AndOneScan()
    {
        // The README's steps: an ABI is one entry under abis (name, triple, kernel ARCH; its numbers come from its
        // headers), a syscall one entry under bindings.syscalls, by name (its arguments are the kernel's prototype's);
        // then one scan writes headers/, and the build has the new binding on every ABI, the new ABI included. The ABI
        // added is big-endian arm64, which the table lacks.
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "arches.yaml");
        var text = File.ReadAllText(path);
        const string syscalls = "\n  syscalls:\n", bindings = "\nbindings:\n";
        Assert.Contains(syscalls, text, StringComparison.Ordinal);
        Assert.Contains(bindings, text, StringComparison.Ordinal);
        text = text.Replace(syscalls, syscalls + "    - name: getpid\n      method: GetPid\n      doc: The caller's process id.\n", StringComparison.Ordinal);
        text = text.Replace(bindings, "\n  - name: arm64_be\n    triple: aarch64_be-linux-gnu\n    kexec_arch: KEXEC_ARCH_AARCH64\n    kernel_arch: arm64\n" + bindings, StringComparison.Ordinal);
        File.WriteAllText(path, text);

        var result = HeaderScan.Run(dir, Array.Empty<string>(), write: true);

        Assert.True(result.Ok, string.Join("\n", result.Diagnostics));
        // The full table, as the kexec tool builds it, so that the new ABI (which .NET does not run on) is in it.
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation(),
            new Dictionary<string, string> { ["KexecGenAbiTable"] = "full" });
        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        Assert.NotNull(output.GetTypeByMetadataName("KexecGen.Interop.Syscalls")?.GetMembers("GetPid").SingleOrDefault());
        ScannedAbi Read(string abi) => ScannedAbiReader.Read(Path.Combine(dir, "headers", abi + ".yaml"), File.ReadAllText(Path.Combine(dir, "headers", abi + ".yaml"))).Value!;
        foreach (var abi in Repo.Arches.Abis.Select(a => a.Name).Append("arm64_be"))
        {
            Assert.Contains(Read(abi).Syscalls, c => c.Name == "getpid" && c.Number is not null); // every ABI numbers getpid
        }
        // The new ABI has arm64's numbers (one syscall table, either byte order) and is in the generated table.
        Assert.Equal(Read("arm64").Syscalls.Select(c => (c.Name, c.Number)), Read("arm64_be").Syscalls.Select(c => (c.Name, c.Number)));
        Assert.Contains("\"arm64_be\"", string.Concat(output.SyntaxTrees.Select(t => t.ToString())), StringComparison.Ordinal);
        // Every other file, written afresh, is the checked-in one plus the new syscall's number and prototype (no
        // arguments): the same headers are scanned.
        foreach (var abi in Repo.Arches.Abis.Select(a => a.Name))
        {
            var lines = File.ReadAllLines(Path.Combine(dir, "headers", abi + ".yaml")).ToList();
            int prototype = lines.IndexOf("  - name: getpid");
            Assert.True(prototype > 0 && lines[prototype + 1].StartsWith("    source: \"include/linux/syscalls.h:", StringComparison.Ordinal) && lines[prototype + 2] == "    args: []",
                $"{abi}: getpid's prototype is not the kernel's (void)");
            lines.RemoveRange(prototype, 3);
            Assert.Equal(File.ReadAllLines(Path.Combine(Repo.Root, "headers", abi + ".yaml")), lines.Where(l => !l.StartsWith("  getpid: ", StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void IoctlNumbers_AreEvaluatedPerAbi_AndAMacroThatIsNoNumber_IsAWarningNotTheEndOfTheScan()
    {
        // BLKGETSIZE64 is _IOR(0x12, 114, size_t): its direction bits and size differ between ABIs. FS_KEY_DESC_PREFIX
        // is a string: a warning at the rule that selects it, and every other macro is still scanned.
        var (dir, path, text, result) = ScanCopyWith("linux/fs.h", "constants", "    - prefix: BLKGETSIZE64\n    - prefix: FS_KEY_DESC_PREFIX\n");

        Assert.True(result.Ok, string.Join("\n", result.Diagnostics));
        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("KXG016", warning.Id);
        Assert.StartsWith("FS_KEY_DESC_PREFIX (linux/fscrypt.h) is no integer constant expression on ABIs 'x86_64', 'x32',", warning.Message, StringComparison.Ordinal);
        Assert.Equal((path, Repo.LineOf(text, "- prefix: FS_KEY_DESC_PREFIX")), (warning.Location.Path, warning.Location.Line));
        long Value(string abi) => ScannedAbiReader.Read(Path.Combine(dir, "headers", abi + ".yaml"), File.ReadAllText(Path.Combine(dir, "headers", abi + ".yaml")))
            .Value!.Constants.Single(c => c.Name == "BLKGETSIZE64").Value;
        Assert.Equal(Value("x86_64"), Value("arm64"));
        Assert.NotEqual(Value("x86_64"), Value("mips_n64")); // MIPS encodes "read" in other bits
        Assert.NotEqual(Value("x86_64"), Value("i386"));     // a 4-byte size_t
        // Each ABI's gcc agrees with every number, the ioctl's included.
        foreach (var abi in Repo.Arches.Abis.Where(a => a.Gcc is not null))
        {
            var scanned = ScannedAbiReader.Read(Path.Combine(dir, "headers", abi.Name + ".yaml"), File.ReadAllText(Path.Combine(dir, "headers", abi.Name + ".yaml"))).Value!;
            Assert.Contains(scanned.Constants, c => c.Name == "BLKGETSIZE64");
            var (ok, errors) = CompilerCheckTests.StaticAssertions(abi, scanned);
            Assert.True(ok, $"{abi.Name}: {errors}");
        }
    }

    [Fact]
    public void UnionsAndBitFields_AreScannedOnEveryAbi_AndARecordTheHeadersLack_IsAPlacedError()
    {
        // bpf_attr is a union of anonymous and named structs; perf_event_attr has bit-fields. Both are laid out on every
        // ABI, with the records bpf_attr's named members hold; a record the headers do not define is an error at its
        // entry in arches.yaml, never an exception, and the rest of the scan stands.
        var (dir, _, text, result) = ScanCopyWith("linux/bpf.h, linux/perf_event.h", "structs",
            "    - { c: bpf_attr, name: BpfAttr }\n    - { c: perf_event_attr, name: PerfEventAttr }\n    - { c: no_such_record }\n");

        Assert.False(result.Ok);
        var error = Assert.Single(result.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal("KXG017", error.Id);
        Assert.StartsWith("struct no_such_record ", error.Message, StringComparison.Ordinal);
        Assert.Contains("not defined", error.Message, StringComparison.Ordinal);
        Assert.Equal(Repo.LineOf(text, "{ c: no_such_record }"), error.Location.Line);
        foreach (var abi in Repo.Arches.Abis)
        {
            var file = Path.Combine(dir, "headers", abi.Name + ".yaml");
            var structs = ScannedAbiReader.Read(file, File.ReadAllText(file)).Value!.Structs;
            Assert.Equal(ScannedStruct.Union, structs.Single(s => s.Name == "bpf_attr").Kind);
            Assert.Contains(structs, s => s.Name == "bpf_attr.batch" && s.Kind == ScannedStruct.Struct);
            var disabled = structs.Single(s => s.Name == "perf_event_attr").Fields.Single(f => f.Name == "disabled");
            Assert.Equal(1, disabled.Bits);
            Assert.Contains(structs, s => s.Name == "kexec_segment");
        }
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
    public void MissingIncludeDirectory_FailsLoudly_NamingThePackageAndHowToMakeIt()
    {
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "arches.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("  uapi: /opt/kexecgen/uapi\n", "  uapi: /nonexistent/uapi\n", StringComparison.Ordinal));

        var e = Assert.Throws<ScanException>(() => HeaderScan.Run(dir, new[] { "arm64" }, write: false));
        Assert.Contains("/nonexistent/uapi/", e.Message, StringComparison.Ordinal);
        Assert.Contains(Repo.Arches.Kernel.Package, e.Message, StringComparison.Ordinal);
        Assert.Contains("make ARCH=arm64 headers_install", e.Message, StringComparison.Ordinal);
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
            var e = CompilerCheckTests.RecordExpression(scanned, s.Name);
            c.Append($"  printf(\"sizeof {s.Name} %zu\\n\", sizeof({e}));\n");
            c.Append($"  printf(\"alignof {s.Name} %zu\\n\", _Alignof({e}));\n");
            foreach (var f in s.Fields.Where(f => f.Bits == 0)) c.Append($"  printf(\"offsetof {s.Name}.{f.Name} %zu\\n\", offsetof({e}, {f.Name}));\n");
        }
        foreach (var call in scanned.Syscalls.Where(x => x.Number is not null)) c.Append($"  printf(\"__NR_{call.Name} %d\\n\", __NR_{call.Name});\n");
        c.Append("  return 0;\n}\n");

        var expected = scanned.Constants.Select(k => $"{k.Name} {k.Value}")
            .Concat(scanned.Structs.SelectMany(s => new[] { $"sizeof {s.Name} {s.Size}", $"alignof {s.Name} {s.Align}" }
                .Concat(s.Fields.Where(f => f.Bits == 0).Select(f => $"offsetof {s.Name}.{f.Name} {f.Offset}"))))
            .Concat(scanned.Syscalls.Where(x => x.Number is not null).Select(x => $"__NR_{x.Name} {x.Number}"));

        var dir = Path.Combine(Path.GetTempPath(), "kexecgen-gcc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "probe.c"), c.ToString());
        // The ABI's kernel headers come first; libc's <stdio.h> from the host.
        Run("gcc", $"-std=gnu11 {string.Join(" ", host.Include.Select(i => "-I" + i))} -o {dir}/probe {dir}/probe.c", out _);
        Run(Path.Combine(dir, "probe"), "", out var printed);

        Assert.Equal(expected, printed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    // A copy of the inputs binding more headers and with more entries at the top of one bindings section, scanned.
    private static (string Dir, string Path, string Text, ScanResult Result) ScanCopyWith(string headers, string section, string entries)
    {
        var dir = Repo.CopyInputs();
        var path = Path.Combine(dir, "arches.yaml");
        var text = File.ReadAllText(path)
            .Replace("    - asm/errno.h\n", "    - asm/errno.h\n" + string.Concat(headers.Split(", ").Select(h => $"    - {h}\n")), StringComparison.Ordinal)
            .Replace($"  {section}:\n", $"  {section}:\n{entries}", StringComparison.Ordinal);
        File.WriteAllText(path, text);
        return (dir, path, text, HeaderScan.Run(dir, Array.Empty<string>(), write: true));
    }

    private static void Run(string file, string args, out string stdout)
    {
        var (code, output, stderr) = ProcessRunner.Run(file, TimeSpan.FromMinutes(1), args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(code == 0, $"{file} {args} failed ({code}): {stderr}");
        stdout = output;
    }
}
