using System;
using System.IO;
using System.Linq;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The one table of diagnostics and the documentation a help link leads to agree, id by id.</summary>
public class DiagnosticTableTests
{
    [Fact]
    public void EveryDiagnostic_HasItsSection_InDiagnosticsMd_UnderItsTitle()
    {
        var headings = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "diagnostics.md")).Where(l => l.StartsWith("## KXG", StringComparison.Ordinal)).ToList();

        Assert.Equal(DiagnosticTable.All.Count, DiagnosticTable.All.Select(k => k.Id).Distinct().Count());
        foreach (var kind in DiagnosticTable.All)
        {
            var heading = Assert.Single(headings, h => h.StartsWith($"## {kind.Id} — ", StringComparison.Ordinal));
            Assert.StartsWith($"## {kind.Id} — {kind.Title}", heading, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(kind.Severity == Severity.Warning, heading.Contains("(warning)", StringComparison.Ordinal));
        }
    }

    // A kind left out of All has no title where the generator reports it (it would show as "Internal error").
    [Fact]
    public void EveryKindTheTableDeclares_IsInAll()
    {
        var declared = typeof(DiagnosticTable).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticKind)).Select(f => ((DiagnosticKind)f.GetValue(null)!).Id).OrderBy(id => id, StringComparer.Ordinal);

        Assert.Equal(declared, DiagnosticTable.All.Select(k => k.Id).OrderBy(id => id, StringComparer.Ordinal));
    }
}
