using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Inputs written to hang a reader end in diagnostics: never an exception, never a hang. docs/diagnostics.md (KXG002)
/// says what is refused.
/// </summary>
public class HostileInputTests
{
    // A hang guard, not a speed test: every case ends in milliseconds, and one that has not ended by then never would
    // (the billion laughs as a key took minutes).
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);

    private static readonly string Arches = Repo.ArchesText;

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
        }, out _);

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

    // 'read' on a thread of its own, failing the test if it has not ended within the cap (the thread is then left to
    // run: a hung case cannot be stopped, only reported).
    private static T WithinCap<T>(Func<T> read, out TimeSpan took)
    {
        var watch = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(task.Wait(Cap), $"still reading after {Cap.TotalSeconds} s: a hang");
        took = watch.Elapsed;
        return task.Result;
    }
}
