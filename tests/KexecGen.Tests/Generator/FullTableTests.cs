using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Config;
using KexecGen.Generator.Emit;
using KexecGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// Every syscall of every ABI's table, bound by name (<see cref="FullTableBindings"/>), generated for every ABI: one
/// refusal never stops the rest, each ABI's calls run the function its parameters stand for or are refused there, and
/// the counts per ABI are those docs/arches.md gives.
/// </summary>
public class FullTableTests(ITestOutputHelper output)
{
    [Fact]
    public void TheWholeTable_GeneratesAndCompiles_LeavingOutOnlyWhatNoPrototypeTypes()
    {
        var built = FullTableBindings.Instance.Built;
        var errors = built.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        foreach (var d in errors) output.WriteLine(d.Message);
        Assert.NotNull(built.Model);
        // What is left out is said, each for a syscall of its own whose arguments no prototype gives (declared per
        // configuration, in a file the scan does not read, or a type it cannot size).
        Assert.All(errors, d => Assert.Equal("KXG013", d.Id));
        var left = errors.Select(d => d.Message.Split(' ')[1]).ToHashSet();
        Assert.Equal(FullTableBindings.Instance.Names.Count, built.Model!.Syscalls.Count + left.Count
            + built.Diagnostics.Count(d => d.Id == "KXG021" && d.Message.EndsWith("nothing is bound", StringComparison.Ordinal)));
        Assert.True(built.Model.Syscalls.Count > 500, $"only {built.Model.Syscalls.Count} bound");

        var files = Emitter.Render(built.Model, libraryImport: false);
        var compilation = CSharpCompilation.Create("full_table", files.Select(f => CSharpSyntaxTree.ParseText(f.Text, GeneratorHarness.ParseOptions, path: f.HintName)),
            GeneratorHarness.References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var problems = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10)));
    }

    // Nothing silently wrong: every bound call's row runs a function that reads each C# parameter as it is — a pointer to
    // the struct the reference function's argument of that name points to (a compat_ struct being the 32-bit ABI's own
    // layout, void taking any), an integer at least as wide on that ABI — judged here from the scanned prototypes alone.
    // The reference is what the first ABI .NET runs on calls, unless that is an entry of its arch's own (checked
    // register by register, as is any arch entry); an entry the kernel source does not show once is warned (KXG015).
    [Fact]
    public void EveryBoundCall_RunsAFunctionReadingWhatTheParametersSay()
    {
        var model = FullTableBindings.Instance.Built.Model!;
        var scanned = FullTableBindings.Instance.Scanned.ToDictionary(s => s.Abi);
        var dotnet = FullTableBindings.Instance.Arches.Abis.Where(a => a.DotNet.Count > 0).Select(a => a.Name).ToList();
        int checkedCalls = 0;
        var wrong = new List<string>();
        (string Source, EquatableArray<ScannedArg> Args)? Reached(string abi, string row)
        {
            if (scanned[abi].Prototypes.FirstOrDefault(p => p.Name == row) is not { } p) return null;
            return p.Entry is null ? (p.Source, p.Args) : p.EntrySource.Length == 0 ? ("", p.Args)
                : p.EntrySource == p.Source && p.EntryArgs.Count == 0 ? (p.Source, p.Args) : (p.EntrySource, p.EntryArgs);
        }
        static string Pointee(string type) => System.Text.RegularExpressions.Regex.Replace(type.Replace("const ", "").TrimEnd('*', ' ').Trim(), @"\bcompat_", "");
        foreach (var syscall in model.Syscalls)
        {
            var bound = syscall.Calls.Where(c => c.Number is not null).ToList();
            var reference = bound.Where(c => dotnet.Contains(c.Abi)).Select(c => Reached(c.Abi, c.Called!)).FirstOrDefault(r => r is { Source.Length: > 0 } x && !x.Source.StartsWith("arch/", StringComparison.Ordinal));
            if (reference is null) continue;
            foreach (var call in bound)
            {
                if (Reached(call.Abi, call.Called!) is not { } runs || runs.Source.Length == 0 || runs.Source.StartsWith("arch/", StringComparison.Ordinal)) continue;
                foreach (var karg in runs.Args)
                {
                    var expected = reference.Value.Args.FirstOrDefault(a => a.Name == karg.Name);
                    var parameter = syscall.Args.FirstOrDefault(a => a.CName == karg.Name);
                    if (expected is null || parameter is null) continue;
                    if (karg.Kind == ScannedArg.Pointer && expected.Kind == ScannedArg.Pointer && Pointee(karg.Type) is var got && got != "void" && got != Pointee(expected.Type))
                    {
                        wrong.Add($"{syscall.Name} on {call.Abi}: {call.Called}'s {karg.Type} {karg.Name} ({runs.Source}), {expected.Type} elsewhere");
                    }
                    int width = parameter.Type switch { "byte" or "sbyte" => 1, "short" or "ushort" => 2, "int" or "uint" => 4, "long" or "ulong" => 8, _ => 0 };
                    // Wider than the kernel keeps is said (KXG015: x32's long is 4 bytes to its compiler).
                    bool said = FullTableBindings.Instance.Built.Diagnostics.Any(d => d.Id == "KXG015" && d.Message.StartsWith($"syscall {syscall.Name} on ", StringComparison.Ordinal)
                        && d.Message.Contains($"'{call.Abi}'", StringComparison.Ordinal) && d.Message.Contains($"argument {karg.Name},", StringComparison.Ordinal));
                    if (karg.Kind != ScannedArg.Pointer && karg.Size > 0 && parameter.Underlying is null && karg.Size < width && !said)
                    {
                        wrong.Add($"{syscall.Name} on {call.Abi}: {call.Called}'s {karg.Type} {karg.Name} keeps {karg.Size} of {parameter.Type}'s {width} bytes");
                    }
                }
                checkedCalls++;
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.True(checkedCalls > 5000, $"only {checkedCalls} calls checked");
    }

    // Every refusal of the whole table, with its reason, as the build says it: docs/full-table-refusals.md holds the list.
    [Fact]
    public void DocsList_OfEveryRefusal_IsTheData()
    {
        var lines = FullTableBindings.Instance.Built.Diagnostics.Where(d => d.Id is "KXG020" or "KXG021" or "KXG013")
            .Select(d => $"- {d.Id}: {d.Message.Replace("\n", " ", StringComparison.Ordinal)}").Distinct()
            .OrderBy(l => l.Split(' ')[3], StringComparer.Ordinal).ThenBy(l => l, StringComparer.Ordinal).ToList();
        var list = string.Join("\n", lines) + "\n";
        var docs = File.ReadAllText(Path.Combine(Repo.Root, "docs", "full-table-refusals.md"));
        const string start = "<!-- refusals: written from FullTableTests; a change there must be copied here -->\n";
        int from = docs.IndexOf(start, StringComparison.Ordinal) + start.Length, to = docs.IndexOf("<!-- end of refusals -->", StringComparison.Ordinal);
        Assert.True(from >= start.Length && to > 0, "docs/full-table-refusals.md has lost its markers");
        if (docs[from..to] != list) File.WriteAllText(Path.Combine(Path.GetTempPath(), "full-table-refusals.expected.md"), list);
        Assert.True(docs[from..to] == list, $"docs/full-table-refusals.md's list is not the data's; it should read as {Path.Combine(Path.GetTempPath(), "full-table-refusals.expected.md")} does ({lines.Count} lines)");
        Assert.True(lines.Count > 50, $"only {lines.Count} refusals");
    }

    [Fact]
    public void DocsTable_OfEachAbisCounts_IsTheData()
    {
        var built = FullTableBindings.Instance.Built;
        var model = built.Model!;
        var rows = new StringBuilder("| ABI | table rows | stubs calling | through another row | refused (KXG020) | runs nothing (KXG021) | left out (KXG013) |\n|---|---|---|---|---|---|---|\n");
        foreach (var abi in FullTableBindings.Instance.Scanned)
        {
            var numbered = abi.Syscalls.Where(s => s.Number is not null && FullTableBindings.Instance.Names.Contains(s.Name)).Select(s => s.Name).ToHashSet();
            var calls = model.Syscalls.Select(s => s.Calls.Single(c => c.Abi == abi.Abi)).ToList();
            int bound = calls.Count(c => c.Number is not null);
            int other = model.Syscalls.Count(s => s.Calls.Single(c => c.Abi == abi.Abi) is { Number: not null } c && c.Called != s.Name);
            int nothing = calls.Count(c => c.Number is null && c.Called is not null && FullTableBindings.Instance.Runs(abi.Abi, c.Called) == "sys_ni_syscall")
                + numbered.Count(n => model.Syscalls.All(s => s.Name != n) && FullTableBindings.Instance.Runs(abi.Abi, n) == "sys_ni_syscall");
            int refused = calls.Count(c => c.Number is null && c.Called is not null && FullTableBindings.Instance.Runs(abi.Abi, c.Called) != "sys_ni_syscall");
            int left = numbered.Count(n => model.Syscalls.All(s => s.Name != n) && FullTableBindings.Instance.Runs(abi.Abi, n) != "sys_ni_syscall");
            rows.Append($"| {abi.Abi} | {numbered.Count} | {bound} | {other} | {refused} | {nothing} | {left} |\n");
        }
        output.WriteLine(rows.ToString());
        var docs = File.ReadAllText(Path.Combine(Repo.Root, "docs", "arches.md"));
        const string start = "<!-- full table counts: written from FullTableTests; a change there must be copied here -->\n";
        int from = docs.IndexOf(start, StringComparison.Ordinal) + start.Length, to = docs.IndexOf("<!-- end of full table counts -->", StringComparison.Ordinal);
        Assert.True(from >= start.Length && to > 0, "docs/arches.md has lost its full table markers");
        Assert.True(docs[from..to] == rows.ToString(), "docs/arches.md's full table counts are not the data's; they should read:\n" + rows);
    }
}
