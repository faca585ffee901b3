using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Inputs written to hang or crash a reader (aliases, deep nesting, huge files, lines and counts) end in diagnostics:
/// never an exception, never a hang. docs/diagnostics.md (KXG002, KXG019) says what is refused and where the bounds are.
/// </summary>
public class HostileInputTests
{
    // A hang guard, not a speed test: a case ends in milliseconds (a million nodes, the most a file may have, in about
    // 3 s), and one that has not ended by then never would (the billion laughs as a key took minutes; 100,000 open
    // brackets overflowed the stack). A whole generator run has longer: the first in a process loads and compiles
    // Roslyn, on a machine busy with other tests.
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan GeneratorCap = TimeSpan.FromSeconds(60);

    private static readonly string Arches = Repo.ArchesText;
    private static readonly string HeadersPath = Repo.HeaderPaths.First();
    private static readonly string Headers = File.ReadAllText(HeadersPath);

    // The eleven lines, with their last level used as a key or as a value: alone, or after the real arches.yaml.
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
