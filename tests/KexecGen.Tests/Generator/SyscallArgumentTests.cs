using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Syscall arguments on every ABI: what each ABI's stub passes in its registers, held against the kernel's prototype
/// (no bits dropped anywhere), against the conventions glibc and the kernel document, and the diagnostics for
/// arguments typed against the kernel's.
/// </summary>
public class SyscallArgumentTests
{
    private static WideArgsBindings Wide => WideArgsBindings.Instance;

    /// <summary>Both tables: the repository's kexec bindings and the consumer's 64-bit ones.</summary>
    public static TheoryData<string> Tables => new("repository", "wide arguments");

    [Theory]
    [MemberData(nameof(Tables))]
    public void EveryBoundSyscall_OnEveryAbi_PassesEveryBitOfEachArgument(string table)
    {
        var (arches, scanned, model) = table == "repository" ? RepoModel() : (Wide.Arches, Wide.Scanned, Wide.Model);
        int calls = 0;
        foreach (var syscall in model.Syscalls)
        {
            foreach (var call in syscall.Calls.Where(c => c.Number is not null))
            {
                var abi = arches.Abis.Single(a => a.Name == call.Abi);
                var headers = scanned.Single(s => s.Abi == call.Abi);
                var prototype = headers.Prototypes.Single(p => p.Name == call.Called);
                // Each register carries one argument's bits: whole in a register of the ABI's width, or 32 of them.
                int registerBytes = headers.PointerSize == 8 || abi.Args64?.Pass == Args64Spec.Register ? 8 : 4;
                var passed = call.Registers.Where(r => r.Kind != RegisterModel.Pad).GroupBy(r => r.Arg!).ToDictionary(
                    g => g.Key, g => g.Sum(r => r.Kind == RegisterModel.Whole ? Math.Min(registerBytes, Width(syscall.Args.Single(a => a.Name == r.Arg), model, headers.PointerSize)) : 4));
                foreach (var karg in prototype.Args)
                {
                    var arg = syscall.Args.Single(a => a.CName == karg.Name);
                    Assert.True(passed.TryGetValue(arg.Name, out int bytes), $"{call.Abi}: {syscall.Name} does not pass {karg.Name}");
                    // An enum narrower than the kernel's type carries every value it has: those must fit what is passed.
                    var members = model.Enums.FirstOrDefault(e => e.Name == arg.Type)?.Members;
                    bool fits = members is { } values ? values.All(m => bytes >= 8 || (ulong)m.Value < 1UL << (bytes * 8)) : bytes >= karg.Size;
                    Assert.True(fits, $"{call.Abi}: {syscall.Name} passes {bytes} bytes of {karg.Name}, the kernel's '{karg.Type}' is {karg.Size}");
                }
                // The arguments come in the called prototype's order (a variant's own, where it is called).
                Assert.Equal(prototype.Args.Select(a => syscall.Args.Single(x => x.CName == a.Name).Name), call.Registers.Where(r => r.Kind != RegisterModel.Pad).Select(r => r.Arg).Distinct());
                calls++;
            }
        }
        Assert.True(calls >= (table == "repository" ? 70 : 4 * 20), $"only {calls} calls walked");
    }

    [Fact]
    public void PairedHalves_ComeInTheAbisByteOrder_OnAnEvenRegisterWhereItsRuleSays()
    {
        int pairs = 0;
        foreach (var call in Wide.Model.Syscalls.SelectMany(s => s.Calls).Where(c => c.Number is not null))
        {
            var abi = Wide.Arches.Abis.Single(a => a.Name == call.Abi);
            var bigEndian = Wide.Scanned.Single(s => s.Abi == call.Abi).ByteOrder == "big";
            for (int i = 0; i < call.Registers.Count; i++)
            {
                if (call.Registers[i].Kind is not (RegisterModel.Low or RegisterModel.High) || (i > 0 && call.Registers[i - 1].Arg == call.Registers[i].Arg)) continue;
                Assert.Equal(call.Registers[i].Arg, call.Registers[i + 1].Arg); // the two halves side by side
                Assert.Equal(bigEndian ? RegisterModel.High : RegisterModel.Low, call.Registers[i].Kind);
                Assert.Equal(bigEndian ? RegisterModel.Low : RegisterModel.High, call.Registers[i + 1].Kind);
                if (abi.Args64!.Pass == Args64Spec.AlignedPair) Assert.True(i % 2 == 0, $"{call.Abi}: {call.Called}'s pair starts on register {i}");
                Assert.NotEqual(Args64Spec.Register, abi.Args64.Pass);
                pairs++;
            }
        }
        Assert.True(pairs > 40, $"only {pairs} pairs");
    }

    // The register lists glibc's SYSCALL_LL64 / __ALIGNMENT_ARG / SYSCALL_LL64_PRW and the kernel's own entry points
    // (arch/arm/tools/syscall.tbl's sync_file_range2, arch/sh/kernel/sys_sh32.c's pread wrapper) give, written out.
    [Theory]
    [InlineData("x86_64", "pread64", "pread64", "fd buf count pos")]
    [InlineData("x32", "pread64", "pread64", "fd buf count pos")]
    [InlineData("i386", "pread64", "pread64", "fd buf count pos.lo pos.hi")]
    [InlineData("arm", "pread64", "pread64", "fd buf count 0 pos.lo pos.hi")]
    [InlineData("mips_o32", "pread64", "pread64", "fd buf count 0 pos.hi pos.lo")]
    [InlineData("mipsel_o32", "pread64", "pread64", "fd buf count 0 pos.lo pos.hi")]
    [InlineData("powerpc", "pread64", "pread64", "fd buf count 0 pos.hi pos.lo")]
    [InlineData("sh", "pread64", "pread64", "fd buf count 0 pos.lo pos.hi")]
    [InlineData("m68k", "pread64", "pread64", "fd buf count pos.hi pos.lo")]
    [InlineData("i386", "fallocate", "fallocate", "fd mode offset.lo offset.hi len.lo len.hi")]
    [InlineData("arm", "fallocate", "fallocate", "fd mode offset.lo offset.hi len.lo len.hi")]
    [InlineData("arm", "sync_file_range", "sync_file_range2", "fd flags offset.lo offset.hi nbytes.lo nbytes.hi")]
    [InlineData("powerpc", "sync_file_range", "sync_file_range2", "fd flags offset.hi offset.lo nbytes.hi nbytes.lo")]
    [InlineData("mips_o32", "sync_file_range", "sync_file_range", "fd 0 offset.hi offset.lo nbytes.hi nbytes.lo flags")]
    [InlineData("i386", "sync_file_range", "sync_file_range", "fd offset.lo offset.hi nbytes.lo nbytes.hi flags")]
    [InlineData("arm64", "sync_file_range", "sync_file_range", "fd offset nbytes flags")]
    public void Registers_AreWhatGlibcAndTheKernelSay(string abi, string syscall, string called, string registers)
    {
        var call = Wide.Model.Syscalls.Single(s => s.Name == syscall).Calls.Single(c => c.Abi == abi);

        Assert.Equal(called, call.Called);
        Assert.Equal(registers, Show(call));
    }

    [Fact]
    public void SyscallGivenByName_GetsTheKernelsArguments_AsCSharpTypes()
    {
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(Wide.Dir), GeneratorHarness.Compilation());

        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(GeneratorHarness.Problems(output));
        var syscalls = output.GetTypeByMetadataName("KexecGen.Interop.Syscalls")!;
        string Signature(string method) => string.Join(", ", ((IMethodSymbol)syscalls.GetMembers(method).Single()).Parameters.Select(p => $"{p.Type.ToDisplayString()} {p.Name}"));
        // unsigned int, a char pointer, size_t (the pointer's width on every ABI), loff_t (64 bits everywhere).
        Assert.Equal("uint fd, byte* buf, nuint count, long pos", Signature("Pread64"));
        Assert.Equal("int fd, int mode, long offset, long len", Signature("Fallocate"));
        Assert.Equal("int fd, long offset, long nbytes, uint flags", Signature("SyncFileRange"));
    }

    [Fact]
    public void HandTypedArguments_ThatDisagreeWithTheKernel_AreRefused_EachAtItsLine()
    {
        // pread64 as a careless hand might type it: every argument wrong, then one too few.
        var wrong = Bind(Wide.Dir, "pread64", """
                  args:
                    - { name: fd, type: "byte*" }
                    - { name: buf, type: int }
                    - { name: count, type: byte }
                    - { name: pos, type: int }
            """);
        var errors = wrong.Diagnostics.Where(d => d.Id == "KXG013").ToList();
        foreach (var arg in new[] { "fd", "buf", "count", "pos" })
        {
            Assert.Contains(errors, d => d.GetMessage().Contains($"argument {arg},", StringComparison.Ordinal) && d.Location.GetLineSpan().StartLinePosition.Line + 1 == Repo.LineOf(wrong.Arches, $"{{ name: {arg}, type:"));
        }
        Assert.Contains(errors, d => d.GetMessage().Contains("a pointer: type it as a pointer", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.GetMessage().Contains("an integer, not a pointer", StringComparison.Ordinal));
        Assert.Contains(errors, d => d.GetMessage().Contains("4 bytes here, 8 in the kernel", StringComparison.Ordinal));
        Assert.False(wrong.Generated, "a refused syscall must not be generated");

        var short_ = Bind(Wide.Dir, "pread64", """
                  args:
                    - { name: fd, type: uint }
                    - { name: buf, type: "byte*" }
                    - { name: count, type: nuint }
            """);
        var count = Assert.Single(short_.Diagnostics, d => d.Id == "KXG013");
        Assert.Contains("3 argument(s), the kernel's prototype (include/linux/syscalls.h:", count.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(Repo.LineOf(short_.Arches, "    - name: pread64"), count.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    [Fact]
    public void HandTypedArguments_ThatAgree_Generate_WithAnEnumWhereTheUserSaysSo()
    {
        // The types a person would pick, one of them left to the kernel's prototype (count).
        var right = Bind(Wide.Dir, "pread64", """
                  args:
                    - { name: fd, type: int, doc: The file. }
                    - { name: buf, type: "void*" }
                    - { name: count }
                    - { name: pos, type: long }
            """);

        Assert.DoesNotContain(right.Diagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        Assert.True(right.Generated);
    }

    [Fact]
    public void SixtyFourBitArgument_OnAnAbiWithoutARule_IsRefused_NamingTheAbi()
    {
        var dir = Repo.CopyInputs(Wide.Dir);
        var path = Path.Combine(dir, "arches.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("    args64: { pass: pair, glibc: i386 }\n", "", StringComparison.Ordinal));

        var (_, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());

        // Refused on i386 alone (KXG020 for KXG014's reason): the other ABIs still call them.
        var refused = GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Id == "KXG020").ToList();
        Assert.DoesNotContain(GeneratorHarness.KexecDiagnostics(driver), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(new[] { "fallocate", "pread64", "pwrite64", "sync_file_range" }, refused.Select(d => d.GetMessage().Split(' ')[1]).OrderBy(s => s, StringComparer.Ordinal));
        Assert.All(refused, d => Assert.Contains("refused on ABI 'i386'", d.GetMessage(), StringComparison.Ordinal));
        Assert.All(refused, d => Assert.Contains("no args64 rule", d.GetMessage(), StringComparison.Ordinal));
        Assert.Contains(refused, d => d.Location.GetLineSpan().StartLinePosition.Line + 1 == Repo.LineOf(File.ReadAllText(path), "    - name: pread64"));
    }

    [Fact]
    public void TheRepositorysOwnAbisWithoutARule_AreTheOnesGlibcDoesNotDescribe()
    {
        // arm's OABI, hexagon and xtensa: a 64-bit argument there is refused (KXG014) until arches.yaml states a rule.
        Assert.Equal(new[] { "arm_oabi", "hexagon", "xtensa" }, Wide.Omitted.OrderBy(a => a, StringComparer.Ordinal));
        Assert.All(Wide.Omitted, abi => Assert.Equal(4, Repo.Scanned(abi).PointerSize));
    }

    [Fact]
    public void ArchSpecificEntryPoints_AreFollowedWhereTheyReorder_AndRefusedWhereTheyDiffer()
    {
        // fadvise64_64 (arm numbers only arm_fadvise64_64). csky's table reaches sys_csky_fadvise64_64 (through a
        // #define in its syscall_table.c) and arm's sys_arm_fadvise64_64: both take advice second, so the stub does.
        // powerpc's reaches sys_ppc_fadvise64_64, whose halves and order no rule gives: refused, naming it.
        var dir = Repo.CopyInputs(Wide.Dir);
        var path = Path.Combine(dir, "arches.yaml");
        var fadvise = "    - name: fadvise64_64\n      method: Fadvise64\n      doc: Declares an access pattern.\n      variants: [arm_fadvise64_64]\n";
        File.WriteAllText(path, File.ReadAllText(path).Replace("\n  syscalls:\n", "\n  syscalls:\n" + fadvise, StringComparison.Ordinal));
        Assert.True(KexecGen.Scanner.HeaderScan.Run(dir, Array.Empty<string>(), write: true).Ok);
        // powerpc is no ABI .NET runs on: a build that tables every ABI is told of its refusal, one for .NET's ABIs is not.
        var (portable, _, dotnetOnly) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());
        Assert.DoesNotContain(GeneratorHarness.KexecDiagnostics(dotnetOnly), d => d.Id == "KXG020");
        Assert.NotEmpty(portable.GetTypeByMetadataName("KexecGen.Interop.Syscalls")!.GetMembers("Fadvise64"));
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation(),
            new Dictionary<string, string> { [KexecGen.Generator.KexecGenerator.AbiTableProperty] = "full" });
        Assert.DoesNotContain(GeneratorHarness.KexecDiagnostics(driver), d => d.Severity == DiagnosticSeverity.Error);
        var refused = Assert.Single(GeneratorHarness.KexecDiagnostics(driver), d => d.Id == "KXG020");
        Assert.StartsWith("syscall fadvise64_64 is refused on ABI 'powerpc', and answers ENOSYS there: the syscall table routes fadvise64_64 to sys_ppc_fadvise64_64 (arch/powerpc/", refused.GetMessage(), StringComparison.Ordinal);
        // powerpc alone: the stub is generated for the others.
        Assert.NotEmpty(output.GetTypeByMetadataName("KexecGen.Interop.Syscalls")!.GetMembers("Fadvise64"));

        // Without powerpc, the rest generate.
        var text = File.ReadAllText(path);
        int start = text.IndexOf("\n  - name: powerpc\n", StringComparison.Ordinal), end = text.IndexOf("\n  - name: ", start + 1, StringComparison.Ordinal);
        File.WriteAllText(path, text[..start] + text[end..]);
        Assert.True(KexecGen.Scanner.HeaderScan.Run(dir, Array.Empty<string>(), write: true).Ok);
        var arches = KexecGen.Config.ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        var built = ModelBuilder.Build(arches, arches.Abis.Select(a => Path.Combine(dir, "headers", a.Name + ".yaml"))
            .Select(f => ScannedAbiReader.Read(f, File.ReadAllText(f)).Value!).ToList(), AbiTableScope.Full);
        Assert.True(built.Model is not null, string.Join("\n", built.Diagnostics));
        var calls = built.Model!.Syscalls.Single(s => s.Name == "fadvise64_64");
        string Registers(string abi) => Show(calls, calls.Calls.Single(c => c.Abi == abi));
        Assert.Equal("fd advice offset.lo offset.hi len.lo len.hi", Registers("csky"));
        Assert.Equal("fd advice offset.lo offset.hi len.lo len.hi", Registers("arm"));
        Assert.Equal("arm_fadvise64_64", calls.Calls.Single(c => c.Abi == "arm").Called);
        Assert.Equal("fd offset.lo offset.hi len.lo len.hi advice", Registers("i386")); // sys_ia32_fadvise64_64 agrees
        Assert.Null(calls.Calls.Single(c => c.Abi == "x86_64").Called); // 64-bit ABIs have fadvise64 alone
    }

    [Fact]
    public void HalvesInTheWrongOrder_AreCaught_ByTheKernelsOwnEntryPoint()
    {
        // i386's table reaches sys_ia32_pread64(fd, ubuf, count, poslo, poshi): were the scanned byte order wrong, the
        // stub would pass the halves the other way round, and the entry point's own names say so.
        var dir = Repo.CopyInputs(Wide.Dir);
        var i386 = Path.Combine(dir, "headers", "i386.yaml");
        File.WriteAllText(i386, File.ReadAllText(i386).Replace("byte_order: little", "byte_order: big", StringComparison.Ordinal));

        var (_, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());

        // Refused on i386 alone (KXG020): no stub there passes the halves the wrong way round.
        var refusals = GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Id == "KXG020").ToList();
        Assert.DoesNotContain(GeneratorHarness.KexecDiagnostics(driver), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains(refusals, d => d.GetMessage().StartsWith("syscall pread64 is refused on ABI 'i386', and answers ENOSYS there: the syscall table routes pread64 to sys_ia32_pread64", StringComparison.Ordinal)
            && d.GetMessage().Contains("the stub would pass 5 (fd, buf, count, pos.hi, pos.lo)", StringComparison.Ordinal));
        Assert.All(refusals, d => Assert.Contains("refused on ABI 'i386'", d.GetMessage(), StringComparison.Ordinal));
    }

    [Fact]
    public void DocsTable_OfHowEachAbiPassesA64BitArgument_IsTheData()
    {
        // Every ABI of arches.yaml: its rule, byte order, and the registers of pread64, fallocate and sync_file_range as
        // the generator makes them (the kernel name called where it is a variant).
        var rows = new System.Text.StringBuilder("| ABI | args64 | byte order | pread64 | fallocate | sync_file_range | .NET |\n|---|---|---|---|---|---|---|\n");
        foreach (var abi in Repo.Arches.Abis)
        {
            var pass = abi.Args64 is null ? "—" : abi.Args64.Pass + (abi.Args64.Padded.Count > 0 ? $", padded: {string.Join(", ", abi.Args64.Padded)}" : "");
            string Registers(string syscall)
            {
                var call = Wide.Model.Syscalls.Single(s => s.Name == syscall).Calls.SingleOrDefault(c => c.Abi == abi.Name);
                return call is null ? "refused (KXG014)" : call.Number is null ? "—"
                    : "`" + Show(call).Replace(" ", ", ", StringComparison.Ordinal) + "`" + (call.Called != syscall ? $" ({call.Called})" : "");
            }
            rows.Append($"| {abi.Name} | {pass} | {Repo.Scanned(abi.Name).ByteOrder} | {Registers("pread64")} | {Registers("fallocate")} | {Registers("sync_file_range")} | {string.Join(", ", abi.DotNet)} |\n");
        }
        var docs = File.ReadAllText(Path.Combine(Repo.Root, "docs", "arches.md"));
        const string start = "<!-- args64 table: written from arches.yaml and headers/ by SyscallArgumentTests; a change there must be copied here -->\n";
        int from = docs.IndexOf(start, StringComparison.Ordinal) + start.Length, to = docs.IndexOf("<!-- end of args64 table -->", StringComparison.Ordinal);
        Assert.True(from >= start.Length && to > 0, "docs/arches.md has lost its args64 table markers");
        Assert.True(docs[from..to] == rows.ToString(), "docs/arches.md's args64 table is not the data's; it should read:\n" + rows);
    }

    // The consumer's bindings with 'syscall' given the args block 'args' (YAML under the syscall's entry), generated.
    private static (string Arches, IReadOnlyList<Diagnostic> Diagnostics, bool Generated) Bind(string from, string syscall, string args)
    {
        var dir = Repo.CopyInputs(from);
        var path = Path.Combine(dir, "arches.yaml");
        var text = File.ReadAllText(path);
        var entry = $"    - name: {syscall}\n      method: ";
        int at = text.IndexOf(entry, StringComparison.Ordinal);
        int end = text.IndexOf('\n', text.IndexOf("      doc: ", at, StringComparison.Ordinal)) + 1;
        text = text[..end] + args.Replace("\r", "", StringComparison.Ordinal).TrimEnd(' ', '\n') + "\n" + text[end..];
        File.WriteAllText(path, text);
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());
        // Whether the syscall's own method is generated (a refused syscall is left out; the others still are).
        var method = text.Substring(at + entry.Length, text.IndexOf('\n', at + entry.Length) - at - entry.Length).Trim();
        var syscalls = output.GetTypeByMetadataName("KexecGen.Interop.Syscalls");
        return (text, GeneratorHarness.KexecDiagnostics(driver), syscalls is not null && syscalls.GetMembers(method).Length > 0);
    }

    private static (ArchesSpec, IReadOnlyList<ScannedAbi>, BindingModel) RepoModel()
    {
        var arches = Repo.Arches;
        var scanned = arches.Abis.Select(a => Repo.Scanned(a.Name)).ToList();
        var built = ModelBuilder.Build(arches, scanned, AbiTableScope.Full);
        Assert.True(built.Model is not null, string.Join("\n", built.Diagnostics));
        return (arches, scanned, built.Model!);
    }

    // An argument's C# width on an ABI: an enum's through its integer type.
    private static int Width(ArgModel arg, BindingModel model, int pointerSize)
    {
        var type = model.Enums.FirstOrDefault(e => e.Name == arg.Type)?.Type ?? arg.Type;
        return type switch { "byte" or "sbyte" => 1, "short" or "ushort" => 2, "int" or "uint" => 4, "long" or "ulong" => 8, _ => pointerSize };
    }

    // "fd buf count 0 pos.lo pos.hi": each register by the kernel's argument name.
    private static string Show(AbiCallModel call) => Show(Wide.Model.Syscalls.Single(s => s.Calls.Contains(call)), call);

    private static string Show(SyscallModel syscall, AbiCallModel call)
    {
        string Name(RegisterModel r) => syscall.Args.Single(a => a.Name == r.Arg).CName;
        return string.Join(" ", call.Registers.Select(r => r.Kind switch
        {
            RegisterModel.Pad => "0",
            RegisterModel.Low => Name(r) + ".lo",
            RegisterModel.High => Name(r) + ".hi",
            _ => Name(r),
        }));
    }
}
