using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using KexecGen.Config;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// Inputs written to hang or crash a reader (aliases in every position, tags, complex keys, deep nesting, huge values,
/// lines and counts, random bytes, truncations) each end in diagnostics within the bounds: never an exception, never a
/// hang. docs/diagnostics.md (KXG002, KXG019) says what is refused and where the bounds are.
/// </summary>
public class HostileInputTests(ITestOutputHelper output)
{
    // A hang guard, not a speed test: a case ends in milliseconds (a million nodes, the most a file may have, in about
    // 3 s), and one that has not ended by then never would (the billion laughs as a key took minutes; 100,000 open
    // brackets overflowed the stack). A whole generator run has longer: the first in a process loads and compiles
    // Roslyn, on a machine busy with other tests.
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GeneratorCap = TimeSpan.FromSeconds(60);

    // 5,000 cases by default, in CI too (about 25 s on two cores: a third of them are 10,000 to 130,000 entries, characters
    // or levels); KEXECGEN_HOSTILE_ITERATIONS sets another count.
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("KEXECGEN_HOSTILE_ITERATIONS"), out long n) && n > 0 ? n : 5_000;

    private static readonly string Arches = Repo.ArchesText;
    private static readonly string HeadersPath = Repo.HeaderPaths.First();
    private static readonly string Headers = File.ReadAllText(HeadersPath);

    // The issue's eleven lines, with their last level used as a key or as a value: alone, or after the real arches.yaml.
    [Theory]
    [InlineData("key", false)]
    [InlineData("value", false)]
    [InlineData("key", true)]
    [InlineData("value", true)]
    public void BillionLaughs_ThroughTheGenerator_AreRefusedAtTheFirstAnchor(string use, bool afterTheRealFile)
    {
        var laughs = use == "key" ? HostileYaml.LaughsAsKey() : HostileYaml.LaughsAsValue();
        var text = afterTheRealFile ? Arches + laughs : laughs;

        var diagnostics = WithinCap(() =>
        {
            var inputs = GeneratorHarness.RepoInputs((name, original) => name == "arches.yaml" ? text : original);
            return GeneratorHarness.KexecDiagnostics(GeneratorHarness.Run(inputs, GeneratorHarness.Compilation()).Driver);
        }, out _, GeneratorCap);

        var refusal = Assert.Single(diagnostics);
        Assert.Equal("KXG002", refusal.Id);
        Assert.Contains("an anchor (&a0)", refusal.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var at = refusal.Location.GetLineSpan();
        Assert.EndsWith("arches.yaml", at.Path, StringComparison.Ordinal);
        Assert.Equal(Repo.LineOf(text, "a0: &a0 x"), at.StartLinePosition.Line + 1);
        Assert.Equal(4, at.StartLinePosition.Character); // the '&'
    }

    // Without its anchors, the alias itself is what is refused, as a key or as a value.
    [Theory]
    [InlineData("*a10 : x\n", 1, 1)]
    [InlineData("? *a10\n: x\n", 1, 3)]
    [InlineData("kernel:\n  package: x\nabis: *a10\n", 3, 7)]
    public void AnAlias_IsRefusedWhereItStands(string text, int line, int column)
    {
        var parsed = WithinCap(() => ArchesParser.Parse("arches.yaml", text), out _);

        var refusal = Assert.Single(parsed.Diagnostics);
        Assert.Equal(("KXG002", line, column), (refusal.Id, refusal.Location.Line, refusal.Location.Column));
        Assert.Contains("an alias (*a10)", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingAHundredThousandDeep_IsRefusedAtTheFirstListPastTheBound()
    {
        // The root mapping is one level: the 64th list inside it is the 65th.
        var parsed = WithinCap(() => ArchesParser.Parse("arches.yaml", HostileYaml.NestedLists(100_000)), out _);

        var refusal = Assert.Single(parsed.Diagnostics);
        Assert.Equal(("KXG019", 2, 3 + InputBounds.Depth - 1), (refusal.Id, refusal.Location.Line, refusal.Location.Column));
    }

    [Fact]
    public void AFileOfMoreNodesThanTheBound_IsRefused()
    {
        // Lists within the bound of entries, together more nodes than a file may have.
        var list = "[" + string.Join(",", Enumerable.Repeat("a", InputBounds.Entries - 1)) + "]";
        var text = string.Concat(Enumerable.Range(0, InputBounds.Nodes / InputBounds.Entries + 1).Select(i => $"k{i}: {list}\n"));

        var parsed = WithinCap(() => ArchesParser.Parse("arches.yaml", text), out _);

        Assert.Equal("KXG019", Assert.Single(parsed.Diagnostics).Id);
        Assert.Contains("more than 1,000,000 values, lists and mappings", parsed.Diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileLongerThanTheBound_IsRefusedAtItsStart_ByBothReaders()
    {
        var text = new string('#', InputBounds.FileLength + 1);

        var arches = WithinCap(() => ArchesParser.Parse("arches.yaml", text), out _);
        var headers = WithinCap(() => ScannedAbiReader.Read(HeadersPath, text), out _);

        foreach (var refusal in new[] { Assert.Single(arches.Diagnostics), Assert.Single(headers.Diagnostics) })
        {
            Assert.Equal(("KXG019", 1, 1), (refusal.Id, refusal.Location.Line, refusal.Location.Column));
        }
    }

    // The scanner and the build's task read files from disk: one past the bound is refused from its size, unread (a
    // sparse file of 64 MiB and a byte takes no room).
    [Fact]
    public void AFileOnDiskLongerThanTheBound_IsRefusedUnread()
    {
        var path = Path.Combine(Path.GetTempPath(), "kexecgen-test-" + Guid.NewGuid().ToString("N") + ".yaml");
        try
        {
            using (var file = File.Create(path)) file.SetLength(InputBounds.FileLength + 1L);

            var parsed = ArchesParser.ParseFile(path);

            var refusal = Assert.Single(parsed.Diagnostics);
            Assert.Equal(("KXG019", 1, 1), (refusal.Id, refusal.Location.Line, refusal.Location.Column));
            Assert.Contains("bytes", refusal.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ALineLongerThanTheBound_IsRefusedAtItsLine_InAHeadersFile()
    {
        var lines = Headers.Split('\n');
        lines[5] += new string('x', InputBounds.LineLength);

        var read = ScannedAbiReader.Read(HeadersPath, string.Join('\n', lines));

        var refusal = Assert.Single(read.Diagnostics);
        Assert.Equal(("KXG019", 6, InputBounds.LineLength + 1), (refusal.Id, refusal.Location.Line, refusal.Location.Column));
    }

    /// <summary>
    /// One hostile input: a description for a failure, the text, whether it is a headers file (else arches.yaml), the
    /// ids it may give, the id and line its first diagnostic must have where known, and whether it may parse at all.
    /// </summary>
    private sealed record HostileCase(string What, string Text, bool IsHeaders, string[] Ids, string? Id = null, int? Line = null, bool MayParse = false)
    {
        public override string ToString() => What;
    }

    private static readonly string[] YamlIds = { "KXG001", "KXG002", "KXG019" };
    private static readonly string[] WithinBoundsIds = { "KXG001", "KXG002" };

    // A case whose size decides its outcome: past the bound (by more than 'margin'), KXG019 alone; within it, any error
    // but KXG019.
    private static HostileCase Sized(string what, string text, int size, int bound, int margin = 0) =>
        new(what, text, false, size <= bound - margin ? WithinBoundsIds : YamlIds, size > bound + margin ? "KXG019" : null);

    [Fact]
    public void HostileInputs_EndInDiagnostics_NeverAnExceptionOrAHang()
    {
        long slowestTicks = 0, cases = 0;
        string slowest = "";
        var gate = new object();
        Hostile.Sample(c =>
        {
            var (value, diagnostics) = WithinCap(() => Read(c), out var took);
            lock (gate)
            {
                cases++;
                if (took.Ticks > slowestTicks) (slowestTicks, slowest) = (took.Ticks, c.What);
            }

            Assert.True(value is not null || Diagnose.HasErrors(diagnostics), $"{c}: nothing read, yet no error");
            Assert.True(c.MayParse || value is null, $"{c}: read as a valid file");
            Assert.All(diagnostics, d => Assert.True(c.Ids.Contains(d.Id), $"{c}: {d}"));
            int lines = Regex.Split(c.Text, "\r\n|[\r\n\u0085\u2028\u2029]").Length; // YAML's line breaks, and the compiler's
            Assert.All(diagnostics, d => Assert.True(d.Location.Line >= 1 && d.Location.Line <= lines + 1 && d.Location.Column >= 1, $"{c}: placed outside the file: {d}"));
            if (c.Id is not null)
            {
                var refusal = Assert.Single(diagnostics);
                Assert.True(refusal.Id == c.Id && (c.Line is null || refusal.Location.Line == c.Line), $"{c}: expected {c.Id} at line {c.Line}, got {refusal}");
            }
        }, iter: Iterations, threads: Environment.ProcessorCount);
        output.WriteLine($"{cases} cases; the slowest took {TimeSpan.FromTicks(slowestTicks).TotalMilliseconds:F0} ms: {slowest}");
    }

    // The case read by its reader: what was read (null when refused), and the diagnostics.
    private static (object? Value, EquatableArray<DiagnosticInfo> Diagnostics) Read(HostileCase c)
    {
        if (c.IsHeaders)
        {
            var headers = ScannedAbiReader.Read(HeadersPath, c.Text);
            return (headers.Value, headers.Diagnostics);
        }
        var arches = ArchesParser.Parse(Repo.ArchesPath, c.Text);
        return (arches.Value, arches.Diagnostics);
    }

    // A size from 1 to 2^17, about evenly spread over its powers of two.
    private static readonly Gen<int> Size = Gen.Select(Gen.Int[0, 17], Gen.Int[0, int.MaxValue], (bits, r) => (1 << bits) + (r % (1 << bits)));

    // The lines of the real arches.yaml that are a plain key and a plain value ("    triple: x86_64-linux-gnu", "  - name: arm"):
    // their index, what stands before the key, the key and the value.
    private static readonly (int Index, string Indent, string Key, string Value)[] PlainLines = Arches.Split('\n')
        .Select((line, i) => (Match: Regex.Match(line, @"^( *(?:- )?)([a-z_0-9]+): ([A-Za-z0-9_.=~+/-]+)$"), Index: i))
        .Where(m => m.Match.Success)
        .Select(m => (m.Index, m.Match.Groups[1].Value, m.Match.Groups[2].Value, m.Match.Groups[3].Value))
        .ToArray();

    private static readonly Gen<HostileCase> Hostile = Gen.Frequency(
        (3, Laughs()), (6, Spliced()), (2, Nested()), (2, LongValues()), (2, ManyEntries()),
        (2, RandomText()), (2, Truncated()), (2, HostileHeaders()));

    // The laughs (levels and width drawn), after some comment lines, their last level used in every position.
    private static Gen<HostileCase> Laughs()
    {
        var uses = new (string Where, Func<int, string> Use)[]
        {
            ("as a value", l => $"abis: *a{l}\n"),
            ("as an explicit key", l => $"? *a{l}\n: x\n"),
            ("in a key's mapping", l => $"? *a{l} : x\n"), // the issue's: '? k : v' on one line is the key { k: v }
            ("as a key", l => $"*a{l} : x\n"),
            ("in a flow list", l => $"abis: [x, *a{l}]\n"),
            ("in a block list", l => $"abis:\n  - x\n  - *a{l}\n"),
            ("as a flow mapping's value", l => $"kernel: {{ package: *a{l} }}\n"),
            ("as a block mapping's value", l => $"kernel:\n  package: *a{l}\n"),
            ("merged", l => $"kernel:\n  <<: *a{l}\n"),
            ("in a complex key", l => $"? [*a{l}] : x\n"),
        };
        return Gen.Select(Gen.Int[1, 12], Gen.Int[2, 9], Gen.Int[0, uses.Length - 1], Gen.Int[0, 20], (levels, width, use, comments) =>
            new HostileCase($"laughs {levels}x{width} {uses[use].Where} after {comments} comment lines",
                string.Concat(Enumerable.Repeat("# a comment\n", comments)) + HostileYaml.BillionLaughs(levels, width) + uses[use].Use(levels),
                false, YamlIds, "KXG002", comments + 1));
    }

    // The real arches.yaml with one plain "key: value" line given an alias, anchor, tag or complex key, in the value or
    // in the key: refused at that line, however deep in the file it stands.
    private static Gen<HostileCase> Spliced()
    {
        var forms = new (string What, Func<string, string, string> Line)[]
        {
            ("an alias as the value", (k, v) => $"{k}: *a"),
            ("an anchored value", (k, v) => $"{k}: &a {v}"),
            ("a standard tag on the value", (k, v) => $"{k}: !!str {v}"),
            ("a local tag on the value", (k, v) => $"{k}: !foo {v}"),
            ("the non-specific tag on the value", (k, v) => $"{k}: ! {v}"),
            ("a verbatim tag on the value", (k, v) => $"{k}: !<tag:x.org,2002:y> {v}"),
            ("an alias in a flow list", (k, v) => $"{k}: [{v}, *a]"),
            ("an alias in a flow mapping", (k, v) => $"{k}: {{ x: *a }}"),
            ("an anchored list", (k, v) => $"{k}: &a [{v}]"),
            ("a tagged list", (k, v) => $"{k}: !!seq [{v}]"),
            ("a tagged mapping", (k, v) => $"{k}: !!map {{ x: {v} }}"),
            ("an alias as the key", (k, v) => $"*a : {v}"),
            ("an anchored key", (k, v) => $"&a {k}: {v}"),
            ("a tagged key", (k, v) => $"!!str {k}: {v}"),
            ("a merge", (k, v) => "<<: *a"),
            ("a list as an explicit key", (k, v) => $"? [{k}] : {v}"),
            ("a list as a key", (k, v) => $"[{k}]: {v}"),
            ("a mapping as a key", (k, v) => $"{{ {k}: 1 }}: {v}"),
        };
        return Gen.Select(Gen.Int[0, PlainLines.Length - 1], Gen.Int[0, forms.Length - 1], (which, form) =>
        {
            var (index, indent, key, value) = PlainLines[which];
            var lines = Arches.Split('\n');
            lines[index] = indent + forms[form].Line(key, value);
            return new HostileCase($"{forms[form].What} at line {index + 1}: '{lines[index]}'", string.Join('\n', lines), false, YamlIds, "KXG002", index + 1);
        });
    }

    // Lists and mappings nested 1 to 2^17 deep, in each way YAML nests them; closed or left open.
    private static Gen<HostileCase> Nested()
    {
        var shapes = new (string What, Func<int, bool, string> Text)[]
        {
            ("flow lists", (n, closed) => "abis: " + new string('[', n) + (closed ? new string(']', n) : "")),
            ("flow lists over lines", (n, closed) => closed ? HostileYaml.NestedLists(n) : HostileYaml.NestedLists(n).Replace("]", "", StringComparison.Ordinal)),
            ("flow mappings", (n, closed) => "abis: " + string.Concat(Enumerable.Repeat("{a: ", n)) + (closed ? new string('}', n) : "")),
            ("block lists", (n, closed) => "abis:\n  " + string.Concat(Enumerable.Repeat("- ", n)) + "x\n"),
            ("block mappings", (n, closed) => string.Concat(Enumerable.Range(0, Math.Min(n, 3000)).Select(i => new string(' ', i) + "a:\n"))),
        };
        return Gen.Select(Size, Gen.Int[0, shapes.Length - 1], Gen.Bool, (n, shape, closed) =>
        {
            var text = shapes[shape].Text(n, closed);
            int depth = shape == 4 ? Math.Min(n, 3000) : n + 1; // with the root mapping
            // Past the bound, the bound is what is said: of depth, or of a line's length when the nesting is one line.
            return Sized($"{shapes[shape].What} {n} deep{(closed ? "" : ", left open")}", text, depth, InputBounds.Depth);
        });
    }

    // One value of 1 to 2^17 characters: on one line, over the lines of a block scalar, in quotes over lines, as a key.
    private static Gen<HostileCase> LongValues()
    {
        var shapes = new (string What, Func<int, string> Text)[]
        {
            ("plain", n => "abis: " + new string('x', n) + "\n"),
            ("a block scalar", n => "abis: |\n" + string.Concat(Lines(n).Select(l => "  " + l + "\n"))),
            ("double-quoted over lines", n => "abis: \"" + string.Join("\n  ", Lines(n)) + "\"\n"),
            ("a key", n => new string('k', n) + ": x\n"),
        };
        // The margin: a block scalar's line breaks and indentation count, or not, in its length and its lines'.
        return Gen.Select(Size, Gen.Int[0, shapes.Length - 1], (n, shape) =>
            Sized($"{shapes[shape].What} value of {n} characters", shapes[shape].Text(n), n, InputBounds.ScalarLength, margin: 1000));
    }

    // n characters as lines of 1,000.
    private static IEnumerable<string> Lines(int n) => Enumerable.Range(0, (n + 999) / 1000).Select(i => new string('x', Math.Min(1000, n - i * 1000)));

    // A list or mapping of 1 to 2^17 entries, 1,000 a line where the form allows.
    private static Gen<HostileCase> ManyEntries()
    {
        var shapes = new (string What, Func<int, string> Text)[]
        {
            ("flow list", n => "abis: [" + string.Join(",\n  ", Enumerable.Range(0, (n + 999) / 1000).Select(l => string.Join(", ", Enumerable.Repeat("a", Math.Min(1000, n - l * 1000)))) ) + "]\n"),
            ("block list", n => "abis:\n" + string.Concat(Enumerable.Repeat("  - a\n", n))),
            ("block mapping", n => string.Concat(Enumerable.Range(0, n).Select(i => $"k{i}: 1\n"))),
            ("flow mapping", n => "kernel: {" + string.Join(",\n  ", Enumerable.Range(0, n).Select(i => $"k{i}: 1")) + "}\n"),
        };
        return Gen.Select(Size, Gen.Int[0, shapes.Length - 1], (n, shape) =>
            Sized($"{shapes[shape].What} of {n} entries", shapes[shape].Text(n), n, InputBounds.Entries));
    }

    private const string YamlNoise = ":[]{}\"'-#\t\n ,&*!|>%@`?<~0x9aZ.\\";

    // Random text: YAML's own punctuation, any UTF-16 code unit, or random bytes read as UTF-8 (a binary file).
    private static Gen<HostileCase> RandomText() => Gen.OneOf(
        Gen.Char[YamlNoise].Array[0, 3000].Select(c => new HostileCase("YAML punctuation: " + Escaped(new string(c)), new string(c), false, YamlIds)),
        Gen.Int[0, 0xFFFF].Select(i => (char)i).Array[0, 3000].Select(c => new HostileCase("UTF-16: " + Escaped(new string(c)), new string(c), false, YamlIds)),
        Gen.Byte.Array[0, 3000].Select(b => new HostileCase("bytes: " + Convert.ToHexString(b), Encoding.UTF8.GetString(b), false, YamlIds)));

    // The real arches.yaml cut short anywhere: a YAML error, a schema error, or (cut in its last entry) a valid file.
    private static Gen<HostileCase> Truncated() =>
        Gen.Int[0, Arches.Length - 1].Select(at => new HostileCase($"arches.yaml cut to {at} characters", Arches[..at], false, new[] { "KXG001", "KXG002" }, MayParse: true));

    // A headers file cut short, given a long line, random bytes, or a line of YAML it has no use for: refused (or, cut
    // after a whole entry or with a name made longer, read as the file the scanner would write).
    private static Gen<HostileCase> HostileHeaders()
    {
        var ids = new[] { "KXG002", "KXG019" };
        int lineCount = Headers.Split('\n').Length;
        return Gen.OneOf(
            Gen.Int[0, Headers.Length - 1].Select(at => new HostileCase($"headers cut to {at} characters", Headers[..at], true, ids, MayParse: true)),
            Gen.Select(Gen.Int[0, lineCount - 1], Size, (line, n) =>
            {
                var lines = Headers.Split('\n');
                lines[line] += new string('x', n);
                // Within the bound, a name made longer can still be what the scanner writes.
                bool past = lines[line].Length > InputBounds.LineLength;
                return new HostileCase($"headers line {line + 1} longer by {n}", string.Join('\n', lines), true, ids, past ? "KXG019" : null, past ? line + 1 : null, MayParse: !past);
            }),
            Gen.Byte.Array[0, 3000].Select(b => new HostileCase("headers as bytes: " + Convert.ToHexString(b), Encoding.UTF8.GetString(b), true, ids)),
            Gen.Select(Gen.Int[0, lineCount - 1], Gen.OneOf("x: *a", "x: &a 1", "x: !!str 1", "? [x] : 1", "<<: *a"), (line, yaml) =>
            {
                var lines = Headers.Split('\n');
                lines[line] = yaml;
                // Refused at that line, or at the start of the list it ends too soon.
                return new HostileCase($"headers line {line + 1} as '{yaml}'", string.Join('\n', lines), true, ids, "KXG002");
            }));
    }

    private static string Escaped(string text) => text.Length > 200 ? "(" + text.Length + " characters)" : System.Text.Json.JsonSerializer.Serialize(text);

    // 'read' on a thread of its own, failing the test if it has not ended within the cap (the thread is then left to
    // run: a hung case cannot be stopped, only reported).
    private static T WithinCap<T>(Func<T> read, out TimeSpan took, TimeSpan? cap = null)
    {
        var watch = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(cap ?? Cap), $"still reading after {(cap ?? Cap).TotalSeconds} s: a hang");
        took = watch.Elapsed;
        return task.Result;
    }
}
