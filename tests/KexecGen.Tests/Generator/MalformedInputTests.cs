using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// A corpus of broken arches.yaml and headers/ files — generated from the real ones so it covers every ABI — each
/// asserted to give its documented diagnostic at the right place, with the generator never throwing.
/// </summary>
public class MalformedInputTests
{
    private static readonly string Arches = Repo.ArchesText;

    public static IEnumerable<object[]> Corpus() => Cases().Select(c => new object[] { c });

    private static IEnumerable<MalformedCase> Cases()
    {
        foreach (var abi in Repo.Arches.Abis.Select(a => a.Name))
        {
            // A number written as a cross-check that the headers contradict.
            long kexecLoad = Repo.Scanned(abi).Syscalls.Single(c => c.Name == "kexec_load").Number!.Value;
            yield return new($"{abi}: a stated kexec_load off by one", "arches.yaml",
                t => ReplaceInAbi(t, abi, "triple: ", l => l + $"\n    syscalls: {{ kexec_load: {kexecLoad + 1} }}"), "KXG004", t => LineInAbi(t, abi, "syscalls: { kexec_load: "));
            yield return new($"{abi}: misspelt triple", "arches.yaml",
                t => ReplaceInAbi(t, abi, "triple: ", l => l.Replace("triple:", "tripel:", StringComparison.Ordinal)), "KXG002", t => LineInAbi(t, abi, "tripel: "));
            yield return new($"{abi}: a stated reboot number not a number", "arches.yaml",
                t => ReplaceInAbi(t, abi, "triple: ", l => l + "\n    syscalls: { reboot: 169x }"), "KXG002", t => LineInAbi(t, abi, "syscalls: { reboot: "));
            yield return new($"{abi}: headers file with a non-numeric pointer size", $"{abi}.yaml",
                t => t.Replace("pointer_size: ", "pointer_size: eight", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "pointer_size:"));
            yield return new($"{abi}: headers file truncated mid-line", $"{abi}.yaml",
                t => t[..t.IndexOf("sha256: ", StringComparison.Ordinal)], "KXG002", t => t.Split('\n').Length); // the cut line
        }
        yield return new("no kernel", "arches.yaml", t => t.Replace("kernel:\n  package:", "kernal:\n  package:", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "kernal:"));
        yield return new("kernel package empty", "arches.yaml", t => System.Text.RegularExpressions.Regex.Replace(t, "(?m)^  package: linux-source-[^\n]*$", "  package: "), "KXG002", t => Repo.LineOf(t, "  package: ")); // found by the property test: no error
        yield return new("kernel package not pinned", "arches.yaml", t => t.Replace("package: linux-source-6.12=", "package: linux-source-6.12 #", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "package: linux-source-6.12 #"));
        yield return new("kernel_arch a path", "arches.yaml", t => t.Replace("kernel_arch: arm64", "kernel_arch: ../arm64", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "kernel_arch: ../arm64"));
        yield return new("ABI without kernel_arch", "arches.yaml", t => t.Replace("    kernel_arch: s390\n", "", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "  - name: s390x"));
        yield return new("headers file scanned from another kernel", "x86_64.yaml", t => System.Text.RegularExpressions.Regex.Replace(t, "\nkernel: \"[^\"]*\"", "\nkernel: \"6.1.4\""), "KXG010", _ => 1);
        yield return new("nonblocking not a boolean", "arches.yaml", t => t.Replace("    - name: reboot\n      method: Reboot\n", "    - name: reboot\n      method: Reboot\n      nonblocking: maybe\n", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "nonblocking: maybe"));
        yield return new("empty arches.yaml", "arches.yaml", _ => "", "KXG002", _ => 1);
        yield return new("binary garbage", "arches.yaml", _ => "\u0001\u0002\u0003\u00ff\u0000", "KXG002", _ => 1); // a scalar, not a mapping
        yield return new("unbalanced brackets", "arches.yaml", _ => "abis: [{", "KXG001", EndOfInput);
        yield return new("a tab for indentation", "arches.yaml", t => t.Replace("\n    triple: x86_64", "\n\ttriple: x86_64", StringComparison.Ordinal), "KXG001", t => Repo.LineOf(t, "\ttriple: x86_64") - 1); // YAML names the mapping the tab breaks
        yield return new("unclosed quote", "arches.yaml", t => t.Replace("namespace: KexecGen.Interop", "namespace: \"KexecGen.Interop", StringComparison.Ordinal), "KXG001", t => Repo.LineOf(t, "namespace: \"KexecGen.Interop")); // where the quote opens
        yield return new("unclosed flow sequence", "arches.yaml", t => t.Replace("- name: arm64", "- name: [arm64", StringComparison.Ordinal), "KXG001", t => Repo.LineOf(t, "- name: [arm64"));
        yield return new("duplicate ABI", "arches.yaml", t => t.Replace("  - name: x32\n", "  - name: x86_64\n", StringComparison.Ordinal), "KXG002", t => NthLineOf(t, "  - name: x86_64", 2)); // the second one
        yield return new("unknown .NET architecture", "arches.yaml", t => t.Replace("dotnet: X64", "dotnet: Vax", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "dotnet: Vax"));
        yield return new("huge syscall number", "arches.yaml", t => ReplaceInAbi(t, "x86_64", "triple: ", l => l + "\n    syscalls: { kexec_load: 99999999999999999999999 }"), "KXG002", t => Repo.LineOf(t, "99999999999999999999999"));
        yield return new("syscalls as a list", "arches.yaml", t => ReplaceInAbi(t, "x86_64", "triple: ", l => l + "\n    syscalls: [246]"), "KXG002", t => Repo.LineOf(t, "    syscalls: [246]"));
        yield return new("a stated number for a syscall not bound", "arches.yaml", t => ReplaceInAbi(t, "x86_64", "triple: ", l => l + "\n    syscalls: { getpid: 39 }"), "KXG002", t => Repo.LineOf(t, "{ getpid: 39 }"));
        yield return new("enum of an unknown type", "arches.yaml", t => t.Replace("name: KexecLoadFlags\n      type: uint", "name: KexecLoadFlags\n      type: float", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "type: float"));
        yield return new("bindings without a namespace", "arches.yaml", t => t.Replace("  namespace: KexecGen.Interop\n", "", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "  visibility: public")); // found by the property test: it threw
        yield return new("visibility misspelt", "arches.yaml", t => t.Replace("visibility: public", "visibility: publik", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "visibility: publik"));
        yield return new("no bindings", "arches.yaml", t => t[..t.IndexOf("\nbindings:", StringComparison.Ordinal)], "KXG002", t => Repo.LineOf(t, "kernel:")); // the document's first key
        yield return new("too many syscall arguments", "arches.yaml", t => t.Replace("        - { name: flags, type: KexecFileLoadFlags, doc: \"Load flags.\" }\n",
            "        - { name: flags, type: KexecFileLoadFlags, doc: \"Load flags.\" }\n        - { name: a6, type: int }\n        - { name: a7, type: int }\n", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - name: kexec_file_load"));
        yield return new("unknown argument type", "arches.yaml", t => t.Replace("type: \"KexecSegment*\"", "type: \"Segment*\"", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "type: \"Segment*\"")); // the argument
        // Arguments typed by hand, checked against the kernel's prototypes (include/linux/syscalls.h).
        yield return new("a syscall typed with an argument too few", "arches.yaml", t => t.Replace("        - { name: flags, type: KexecLoadFlags, doc: \"Load flags or-ed with a KexecArch value.\" }\n", "", StringComparison.Ordinal),
            "KXG013", t => Repo.LineOf(t, "    - name: kexec_load"));
        yield return new("a pointer argument typed as an integer", "arches.yaml", t => t.Replace("{ name: cmdline, type: \"byte*\",", "{ name: cmdline, type: int,", StringComparison.Ordinal),
            "KXG013", t => Repo.LineOf(t, "{ name: cmdline, type: int,"));
        yield return new("an integer argument typed as a pointer", "arches.yaml", t => t.Replace("{ name: kernel_fd, type: int,", "{ name: kernel_fd, type: \"byte*\",", StringComparison.Ordinal),
            "KXG013", t => Repo.LineOf(t, "{ name: kernel_fd, type: \"byte*\","));
        yield return new("an unsigned long typed narrower", "arches.yaml", t => t.Replace("{ name: entry, type: nuint,", "{ name: entry, type: uint,", StringComparison.Ordinal),
            "KXG013", t => Repo.LineOf(t, "{ name: entry, type: uint,"));
        yield return new("an unsigned long typed wider (a warning)", "arches.yaml", t => t.Replace("{ name: nr_segments, type: nuint,", "{ name: nr_segments, type: ulong,", StringComparison.Ordinal),
            "KXG015", t => Repo.LineOf(t, "{ name: nr_segments, type: ulong,"));
        yield return new("a syscall bound by name whose prototype one ABI lacks (a warning)", "x86_64.yaml", t => RemovePrototype(t, "reboot"),
            "KXG015", t => Repo.LineOf(t, "    - name: reboot"), PlaceFile: "arches.yaml"); // the syscall, passed as typed there
        yield return new("args64 misspelt", "arches.yaml", t => t.Replace("args64: { pass: aligned-pair, glibc: arm }", "args64: { pass: aligned-pairs, glibc: arm }", StringComparison.Ordinal),
            "KXG002", t => Repo.LineOf(t, "aligned-pairs"));
        yield return new("args64 with an unknown key", "arches.yaml", t => t.Replace("args64: { pass: pair, glibc: i386 }", "args64: { pass: pair, glibcc: i386 }", StringComparison.Ordinal),
            "KXG002", t => Repo.LineOf(t, "glibcc: i386"));
        yield return new("a variant that is no name", "arches.yaml", t => t.Replace("    - name: reboot\n      method: Reboot\n", "    - name: reboot\n      method: Reboot\n      variants: [\"re boot\"]\n", StringComparison.Ordinal),
            "KXG002", t => Repo.LineOf(t, "variants: [\"re boot\"]"));
        yield return new("headers byte order unknown", "mips_o32.yaml", t => t.Replace("byte_order: big", "byte_order: middle", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "byte_order: middle"));
        yield return new("headers prototype argument of an unknown kind", "arm.yaml", t => t.Replace("size: 4, kind: pointer }", "size: 4, kind: handle }", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "kind: handle"));
        yield return new("headers prototype without source", "arm64.yaml", t => t.Replace("    source: \"include/linux/syscalls.h:583\"\n", "", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "  - name: kexec_load") + 1); // where the source was due
        yield return new("enum member that is no constant", "arches.yaml", t => t.Replace("members: [KEXEC_ON_CRASH, KEXEC_PRESERVE_CONTEXT,", "members: [KEXEC_ON_CRASH, KEXEC_NO_SUCH_FLAG,", StringComparison.Ordinal), "KXG005", t => Repo.LineOf(t, "    - name: KexecLoadFlags")); // the enum that names it
        yield return new("two macros, one enum member name", "arches.yaml", t => t.Replace("names: { KEXEC_ARCH_386: I386, KEXEC_ARCH_68K: M68K }", "names: { KEXEC_ARCH_386: I386, KEXEC_ARCH_68K: Sh }", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - name: KexecArch")); // the enum
        // Names that would collide in the generated C# (found by the whole-build property: a repeated argument line).
        yield return new("an argument named twice", "arches.yaml", t => t.Replace("{ name: nr_segments, type: nuint,", "{ name: entry, type: nuint,", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - name: kexec_load"));
        yield return new("an argument given twice", "arches.yaml", t => t.Replace("        - { name: flags, type: KexecLoadFlags, doc: \"Load flags or-ed with a KexecArch value.\" }\n",
            "        - { name: flags, type: KexecLoadFlags, doc: \"Load flags or-ed with a KexecArch value.\" }\n        - { name: flags, type: KexecLoadFlags, doc: \"Load flags or-ed with a KexecArch value.\" }\n", StringComparison.Ordinal), "KXG013", t => Repo.LineOf(t, "    - name: kexec_load")); // one more than the kernel's
        yield return new("two syscalls, one method", "arches.yaml", t => t.Replace("method: Reboot\n", "method: KexecLoad\n", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - name: reboot"));
        yield return new("a struct named as a generated type", "arches.yaml", t => t.Replace("name: KexecSegment\n", "name: AbiTable\n", StringComparison.Ordinal)
            .Replace("\"KexecSegment*\"", "\"AbiTable*\"", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - c: kexec_segment"));
        yield return new("a struct named as the ABI table's constant record", "arches.yaml", t => t.Replace("name: KexecSegment\n", "name: AbiConstant\n", StringComparison.Ordinal)
            .Replace("\"KexecSegment*\"", "\"AbiConstant*\"", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - c: kexec_segment"));
        yield return new("an enum named as a class", "arches.yaml", t => t.Replace("name: RebootMagic\n", "name: Errno\n", StringComparison.Ordinal)
            .Replace("type: RebootMagic,", "type: Errno,", StringComparison.Ordinal), "KXG002", t => NthLineOf(t, "name: Errno", 2)); // the class, named after the enum
        yield return new("a field named as its struct", "arches.yaml", t => t.Replace("buf: { name: Buffer,", "buf: { name: KexecSegment,", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - c: kexec_segment")); // the struct
        yield return new("enum too narrow", "arches.yaml", t => t.Replace("name: RebootCommand\n      type: uint", "name: RebootCommand\n      type: byte", StringComparison.Ordinal), "KXG008", t => Repo.LineOf(t, "name: RebootCommand"));
        yield return new("a header scoped to an unknown ABI", "arches.yaml", t => t.Replace("{ header: asm/bootparam.h, abis: [x86_64, x32, i386] }", "{ header: asm/bootparam.h, abis: [x86_64, x32, vax] }", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "{ header: asm/bootparam.h"));
        yield return new("a struct scoped to an unknown ABI", "arches.yaml", t => t.Replace("      name: SetupData\n      abis: [x86_64, x32, i386]", "      name: SetupData\n      abis: [x86_64, vax]", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - c: setup_data"));
        yield return new("headers field past its struct", "x86_64.yaml", t => t.Replace("offset: 24,", "offset: 28,", StringComparison.Ordinal), "KXG007", t => Repo.LineOf(t, "    - c: kexec_segment"), PlaceFile: "arches.yaml");
        yield return new("struct type mapping too small", "arches.yaml", t => t.Replace("__kernel_size_t: nuint", "__kernel_size_t: uint", StringComparison.Ordinal), "KXG007", t => Repo.LineOf(t, "    - c: kexec_segment")); // the struct
        yield return new("struct field type not blittable", "arches.yaml", t => t.Replace("    __kernel_size_t: nuint\n", "    __kernel_size_t: decimal\n", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "    - c: kexec_segment"));
        yield return new("two ABIs as one .NET architecture", "arches.yaml", t => t.Replace("dotnet: Arm64", "dotnet: X64", StringComparison.Ordinal), "KXG009", t => Repo.LineOf(t, "  - name: arm64")); // the ABI that makes the second claim
        yield return new("no errno class", "arches.yaml", t => t.Replace("      prefix: E\n      defined_in: errno\n      doc: Error numbers", "      prefix: EXYZ\n      defined_in: errno\n      doc: Error numbers", StringComparison.Ordinal), "KXG002", _ => 1); // a rule of the whole file: placed at its start
        yield return new("headers file scanned for another triple", "x86_64.yaml", t => t.Replace("triple: \"x86_64-linux-gnu\"", "triple: \"i686-linux-gnu\"", StringComparison.Ordinal), "KXG010", _ => 1);
        yield return new("headers file for an unknown ABI", "x86_64.yaml", t => t.Replace("abi: \"x86_64\"", "abi: \"vax\"", StringComparison.Ordinal), "KXG003", t => Repo.LineOf(t, "  - name: x86_64"), PlaceFile: "arches.yaml"); // the ABI left without headers
        yield return new("headers file without syscalls", "arm64.yaml", t => t.Replace("  kexec_load: 104\n", "", StringComparison.Ordinal), "KXG010", _ => 1); // a stale file as a whole: placed at its start
        yield return new("headers layout differing from the other .NET ABIs", "x86_64.yaml", t => t.Replace("offset: 8,", "offset: 12,", StringComparison.Ordinal), "KXG018", t => Repo.LineOf(t, "    - c: kexec_segment"), PlaceFile: "arches.yaml"); // the struct whose C# it contradicts
        yield return new("headers file unknown key", "arm64.yaml", t => t.Replace("pointer_size:", "pointer_width:", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "pointer_width:"));
        yield return new("headers constant without value", "arm64.yaml", t => t.Replace("{ name: ENOSYS, value: 38,", "{ name: ENOSYS,", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "{ name: ENOSYS,"));
        yield return new("headers file empty", "arm64.yaml", _ => "", "KXG002", _ => 1);
        yield return new("headers file binary", "arm64.yaml", _ => "\u0000\u0001{[", "KXG002", _ => 1);
        // YAML that KexecGen's files have no use for, and inputs past its bounds (HostileInputTests has many more).
        yield return new("a config symbol with CONFIG_", "arches.yaml", t => t.Replace("config: [32BIT, X86_32]", "config: [32BIT, CONFIG_X86_32]", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "CONFIG_X86_32]"));
        yield return new("a kernel both 64BIT and 32BIT", "arches.yaml", t => t.Replace("config: [64BIT, PPC64]", "config: [64BIT, 32BIT]", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "config: [64BIT, 32BIT]"));
        yield return new("a class typed float", "arches.yaml", t => t.Replace("    - name: Errno\n      prefix: E\n      defined_in: errno\n", "    - name: Errno\n      prefix: E\n      defined_in: errno\n      type: float\n", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "      type: float"));
        yield return new("a tag", "arches.yaml", t => t.Replace("kernel_arch: arm64", "kernel_arch: !!str arm64", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "kernel_arch: !!str arm64"));
        yield return new("a list as a key", "arches.yaml", t => t.Replace("dotnet: Arm64", "[dotnet]: Arm64", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "[dotnet]: Arm64"));
        yield return new("an alias", "arches.yaml", t => t.Replace("dotnet: Arm64", "dotnet: *arm64", StringComparison.Ordinal), "KXG002", t => Repo.LineOf(t, "dotnet: *arm64"));
        yield return new("lists nested past the bound", "arches.yaml", t => t.Replace("dotnet: Arm64", "dotnet: " + new string('[', 100) + new string(']', 100), StringComparison.Ordinal), "KXG019", t => Repo.LineOf(t, "dotnet: [[["));
        yield return new("a headers line past the bound", "arm64.yaml", t => t.Replace("  kexec_load: 104\n", "  kexec_load: 104" + new string(' ', 70_000) + "\n", StringComparison.Ordinal), "KXG019", t => Repo.LineOf(t, "  kexec_load: 104"));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void BrokenInput_GivesItsDiagnostic_AtTheRightPlace(MalformedCase broken)
    {
        string? brokenText = null;
        var inputs = GeneratorHarness.RepoInputs((name, text) =>
        {
            if (name != broken.File) return text;
            var result = broken.Break(text);
            Assert.NotEqual(text, result); // the case must really break something
            brokenText = result;
            return result;
        });
        Assert.NotNull(brokenText);

        var (_, generatorErrors, driver) = GeneratorHarness.Run(inputs, GeneratorHarness.Compilation());

        Assert.DoesNotContain(generatorErrors, d => d.Id == "CS8785"); // the generator did not throw
        var found = GeneratorHarness.KexecDiagnostics(driver);
        var match = found.Where(d => d.Id == broken.Id).ToList();
        Assert.True(match.Count > 0, $"expected {broken.Id}, got: {string.Join("; ", found)}");
        // The place: a line of the broken file, or of the input named by PlaceFile as it stands.
        var placeFile = broken.PlaceFile ?? broken.File;
        var placeText = broken.PlaceFile is null ? brokenText! : File.ReadAllText(Path.Combine(Repo.Root, placeFile == "arches.yaml" ? "" : "headers", placeFile));
        int expected = broken.Line(placeText);
        Assert.True(match.Any(d => d.Location.GetLineSpan().Path.EndsWith(placeFile, StringComparison.Ordinal) && d.Location.GetLineSpan().StartLinePosition.Line + 1 == expected),
            $"expected {broken.Id} at {placeFile}:{expected}, got: {string.Join("; ", match.Select(d => $"{Path.GetFileName(d.Location.GetLineSpan().Path)}:{d.Location.GetLineSpan().StartLinePosition.Line + 1}"))}");
    }

    [Fact]
    public void Corpus_HasAtLeastAHundredCases() => Assert.True(Cases().Count() >= 100, $"{Cases().Count()} cases");

    // A headers file without the kernel's prototype of 'syscall' (its name line, source line and argument lines).
    private static string RemovePrototype(string text, string syscall)
    {
        var lines = text.Split('\n').ToList();
        int start = lines.IndexOf("  - name: " + syscall, lines.IndexOf("prototypes:"));
        int end = start + 1;
        while (end < lines.Count && lines[end].StartsWith("    ", StringComparison.Ordinal)) end++;
        lines.RemoveRange(start, end - start);
        return string.Join('\n', lines);
    }

    // Where YAML reports an input that ends too soon: the line after its last.
    private static int EndOfInput(string text) => text.Split('\n').Length + 1;

    // The 1-based line of the n-th line containing 'needle'.
    private static int NthLineOf(string text, string needle, int n)
    {
        var lines = text.Split('\n');
        for (int i = 0, seen = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains(needle, StringComparison.Ordinal) && ++seen == n) return i + 1;
        }
        throw new InvalidOperationException($"'{needle}' is not in the text {n} times");
    }

    // The first line at or after ABI 'abi''s entry that contains 'key'.
    private static int LineInAbi(string text, string abi, string key)
    {
        var lines = text.Split('\n');
        int start = Array.FindIndex(lines, l => l == $"  - name: {abi}");
        return Array.FindIndex(lines, start, l => l.Contains(key, StringComparison.Ordinal)) + 1;
    }

    private static string ReplaceInAbi(string text, string abi, string key, Func<string, string> change)
    {
        var lines = text.Split('\n');
        int index = LineInAbi(text, abi, key) - 1;
        lines[index] = change(lines[index]);
        return string.Join('\n', lines);
    }
}
