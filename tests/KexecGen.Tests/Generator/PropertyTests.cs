using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CsCheck;
using KexecGen.Config;
using KexecGen.Generator.Emit;
using KexecGen.Generator.Model;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Random mutations of the valid inputs: the generator's stages never throw, and every input either reports an error
/// diagnostic or yields code that compiles (a new model goes through the whole build).
/// </summary>
public class PropertyTests
{
    private static readonly string ArchesText = Repo.ArchesText;
    private static readonly (string Path, string Text)[] HeaderFiles = Repo.HeaderPaths.Select(p => (p, File.ReadAllText(p))).ToArray();
    private static readonly ScannedAbi[] Scanned = HeaderFiles.Select(h => ScannedAbiReader.Read(h.Path, h.Text).Value!).ToArray();

    // 10^5 cases by default, in CI too; KEXECGEN_PROPERTY_ITERATIONS sets another count (fewer for a quick local run).
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("KEXECGEN_PROPERTY_ITERATIONS"), out long n) && n > 0 ? n : 100_000;

    // Whole builds are slower (about 0.3 s each): 30 in CI, KEXECGEN_BUILD_PROPERTY_ITERATIONS for more.
    private static readonly long BuildIterations =
        long.TryParse(Environment.GetEnvironmentVariable("KEXECGEN_BUILD_PROPERTY_ITERATIONS"), out long b) && b > 0 ? b : 30;

    private static readonly Parsed<ArchesSpec> ParsedArches = ArchesParser.Parse(Repo.ArchesPath, ArchesText);

    // The unmutated model: its rendering is tested elsewhere, so an input that builds the same model needs no render.
    private static readonly BindingModel Baseline = ModelBuilder.Build(ArchesParser.Parse(Repo.ArchesPath, ArchesText).Value!, Scanned).Model!;

    private const string Noise = ":[]{}\"'-#\t\n ,0x9aZ~!&*|>%@`";

    /// <summary>A mutation: which file (-1 for arches.yaml), and an edit of its text.</summary>
    private static readonly Gen<(int File, Func<string, string> Edit, string What)> Mutation =
        Gen.Select(Gen.Int[-1, HeaderFiles.Length - 1], Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Gen.Char[Noise])
            .Select(t =>
            {
                var (file, kind, a, b, c) = t;
                Func<string, string> edit = kind switch
                {
                    0 => s => s.Remove(a % s.Length, Math.Min(1 + b % 40, s.Length - a % s.Length)),   // delete a run
                    1 => s => s.Insert(a % (s.Length + 1), new string(c, 1 + b % 3)),                   // insert noise
                    2 => s => s[..(a % (s.Length + 1))],                                              // truncate
                    3 => s => ReplaceChar(s, a, c),                                                   // overwrite one char
                    4 => s => SwapLines(s, a, b),                                                     // swap two lines
                    _ => s => DuplicateLine(s, a),                                                    // repeat a line
                };
                return (file, edit, $"file {file}, kind {kind}, {a}/{b}/{(int)c}");
            });

    public static TheoryData<string> AllHeaderFiles => new(HeaderFiles.Select(h => h.Path)
        .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "tests", "KexecGen.Benchmarks", "Bindings", "headers"), "*.yaml")));

    // The scanner's files are read without a problem, and writing what was read gives back their very bytes.
    [Theory]
    [MemberData(nameof(AllHeaderFiles))]
    public void CheckedInHeaders_AreRead_AndWriteBackByteForByte(string path)
    {
        var text = File.ReadAllText(path);

        var read = ScannedAbiReader.Read(path, text);

        Assert.Empty(read.Diagnostics);
        Assert.Equal(text, ScannedAbiFormat.Write(read.Value!));
    }

    // A mutated file is read only while it is still what the writer writes; any other is refused with one KXG002
    // saying re-scan, placed inside the file and no earlier than the first line the mutation changed, or than the
    // start of its list (the writer sorts lists, so a changed name can move the first difference up within one).
    [Fact]
    public void MutatedHeaders_AreReadOnlyWhenAsTheScannerWritesThem_ElseRefusedWhereTheyDiffer()
    {
        int accepted = 0, refused = 0;
        Mutation.Where(m => m.File >= 0).Sample(m =>
        {
            var (path, original) = HeaderFiles[m.File];
            var text = m.Edit(original);
            var read = ScannedAbiReader.Read(path, text);
            if (read.Value is { } value)
            {
                Assert.Empty(read.Diagnostics);
                Assert.True(ScannedAbiFormat.Write(value) == text.Replace("\r\n", "\n", StringComparison.Ordinal), $"{m.What}: accepted a file the writer would not write");
                System.Threading.Interlocked.Increment(ref accepted);
                return;
            }
            var refusal = Assert.Single(read.Diagnostics);
            Assert.Equal("KXG002", refusal.Id);
            Assert.Contains("re-scan", refusal.Message, StringComparison.Ordinal);
            int firstChanged = EarliestPlaceOfChange(original, text);
            int lines = text.Split('\n').Length;
            Assert.True(refusal.Location.Line >= firstChanged && refusal.Location.Line <= lines + 1 && refusal.Location.Column >= 1,
                $"{m.What}: refused at {refusal.Location}, the first changed line is {firstChanged} of {lines}");
            System.Threading.Interlocked.Increment(ref refused);
        }, iter: Iterations, threads: Environment.ProcessorCount);
        Assert.True(accepted > 0 && refused > 0, $"accepted {accepted}, refused {refused}: both outcomes must occur");
    }

    // Read without its fields, a mutated file is refused as above, or accepted where reading it whole gives the same
    // ABI but for the fields, or refuses it at a field line: the lines passed over are the only ones not proven.
    [Fact]
    public void MutatedHeaders_ReadWithoutFields_DifferFromAWholeReadOnlyInFieldLines()
    {
        int accepted = 0, refused = 0, missedInFields = 0;
        Mutation.Where(m => m.File >= 0).Sample(m =>
        {
            var (path, original) = HeaderFiles[m.File];
            var text = m.Edit(original);
            var shallow = ScannedAbiReader.Read(path, text, _ => false);
            var whole = ScannedAbiReader.Read(path, text);
            if (shallow.Value is not { } value)
            {
                var refusal = Assert.Single(shallow.Diagnostics);
                Assert.Equal("KXG002", refusal.Id);
                Assert.True(refusal.Location.Line >= EarliestPlaceOfChange(original, text), $"{m.What}: refused at {refusal.Location}");
                Assert.Null(whole.Value);
                System.Threading.Interlocked.Increment(ref refused);
                return;
            }
            Assert.False(value.FieldsRead);
            Assert.All(value.Structs, st => Assert.Empty(st.Fields));
            if (whole.Value is { } all)
            {
                var withoutFields = all with { Structs = all.Structs.Select(st => st with { Fields = EquatableArray<ScannedField>.Empty }).ToEquatableArray(), FieldsRead = false };
                Assert.True(withoutFields == value, $"{m.What}: read without fields, the file gives another ABI than read whole");
                System.Threading.Interlocked.Increment(ref accepted);
                return;
            }
            var line = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')[Assert.Single(whole.Diagnostics).Location.Line - 1];
            Assert.True(line.StartsWith("      - { name: ", StringComparison.Ordinal), $"{m.What}: the whole read refuses '{line}', which the read without fields accepted");
            System.Threading.Interlocked.Increment(ref missedInFields);
        }, iter: Math.Max(1000, Iterations / 10), threads: Environment.ProcessorCount);
        Assert.True(accepted > 0 && refused > 0 && missedInFields > 0, $"accepted {accepted}, refused {refused}, refused only when read whole {missedInFields}: each must occur");
    }

    [Fact]
    public void HeadersReadWithoutFields_CannotBeWrittenBack()
    {
        var (path, text) = HeaderFiles[0];
        var shallow = ScannedAbiReader.Read(path, text, _ => false).Value!;

        Assert.Contains(shallow.Structs, st => st.Size > 0);
        Assert.Throws<ArgumentException>(() => ScannedAbiFormat.Write(shallow));
        Assert.Equal(-1, ScannedAbiFormat.FirstDifference(shallow, text));
    }

    private static int EarliestPlaceOfChange(string original, string text)
    {
        int at = 0;
        while (at < original.Length && at < text.Length && original[at] == text[at]) at++;
        int line = 1 + original.AsSpan(0, at).Count('\n');
        var lines = original.Split('\n');
        for (int i = Math.Min(line, lines.Length) - 1; i >= 0; i--)
        {
            if (lines[i] is "inputs:" or "syscalls:" or "structs:" or "constants:") return i + 1;
        }
        return line;
    }

    // Every case ends in an error diagnostic, in the unmutated model (whose output GeneratorTests compile), or in a
    // new model: rendered, and compiled through the real build when no stage reported an error (about 1% of cases).
    [Fact]
    public void MutatedInputs_NeverThrow_AndAlwaysYieldCodeThatCompilesOrAnError()
    {
        int compiled = 0;
        Mutation.Sample(m =>
        {
            var arches = m.File < 0 ? ArchesParser.Parse(Repo.ArchesPath, m.Edit(ArchesText)) : ParsedArches;
            var scanned = Scanned.ToList();
            var diagnostics = new List<DiagnosticInfo>(arches.Diagnostics);
            if (m.File >= 0)
            {
                var parsed = ScannedAbiReader.Read(HeaderFiles[m.File].Path, m.Edit(HeaderFiles[m.File].Text));
                diagnostics.AddRange(parsed.Diagnostics);
                scanned.RemoveAt(m.File);
                if (parsed.Value is not null) scanned.Insert(m.File, parsed.Value);
            }
            if (arches.Value is null || (m.File >= 0 && scanned.Count < Scanned.Length))
            {
                Assert.True(Diagnose.HasErrors(diagnostics), "nothing parsed, yet no error: " + m.What);
                return;
            }
            var built = ModelBuilder.Build(arches.Value, scanned);
            diagnostics.AddRange(built.Diagnostics);
            if (built.Model is null)
            {
                Assert.True(Diagnose.HasErrors(built.Diagnostics), "no model, yet no error: " + m.What);
                return;
            }
            if (built.Model == Baseline) return;
            Assert.Equal(5, Emitter.Render(built.Model).Count);
            if (Diagnose.HasErrors(diagnostics)) return;
            AssertTheBuildCompilesOrReports(m);
            System.Threading.Interlocked.Increment(ref compiled);
        }, iter: Iterations, threads: Environment.ProcessorCount);
        if (Iterations >= 10_000) Assert.True(compiled > 0, "no mutation gave a new error-free model: the build check never ran");
    }

    [Fact]
    public void MutatedInputs_ThroughTheBuild_CompileOrReportAnError() =>
        Mutation.Sample(AssertTheBuildCompilesOrReports, iter: BuildIterations, threads: 1);

    // The mutated inputs through the generator driver, .NET's LibraryImport generator and the compiler.
    private static void AssertTheBuildCompilesOrReports((int File, Func<string, string> Edit, string What) m)
    {
        var inputs = GeneratorHarness.RepoInputs((name, text) =>
            (m.File < 0 && name == "arches.yaml") || (m.File >= 0 && Path.GetFileName(HeaderFiles[m.File].Path) == name) ? m.Edit(text) : text);
        var (output, generatorErrors, driver) = GeneratorHarness.Run(inputs, GeneratorHarness.Compilation());
        Assert.DoesNotContain(generatorErrors, d => d.Id == "CS8785");
        var reported = GeneratorHarness.KexecDiagnostics(driver).Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        Assert.True(reported || GeneratorHarness.Problems(output).All(d => d.Severity != Microsoft.CodeAnalysis.DiagnosticSeverity.Error),
            $"{m.What}: no diagnostic, yet the output does not compile: {string.Join("; ", GeneratorHarness.Problems(output).Take(3))}");
    }

    private static string ReplaceChar(string s, int at, char c)
    {
        if (s.Length == 0) return s;
        var chars = s.ToCharArray();
        chars[at % chars.Length] = c;
        return new string(chars);
    }

    private static string SwapLines(string s, int a, int b)
    {
        var lines = s.Split('\n');
        int i = a % lines.Length, j = b % lines.Length;
        (lines[i], lines[j]) = (lines[j], lines[i]);
        return string.Join('\n', lines);
    }

    private static string DuplicateLine(string s, int a)
    {
        var lines = s.Split('\n').ToList();
        int i = a % lines.Count;
        lines.Insert(i, lines[i]);
        return string.Join('\n', lines);
    }
}
