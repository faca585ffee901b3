using System;
using KexecGen.Config;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KexecGen.Generator;

/// <summary>Turns <see cref="KexecGen.Config.DiagnosticInfo"/> data into Roslyn diagnostics, only at the reporting edge.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "KexecGen";

    public static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        var descriptor = new DiagnosticDescriptor(
            info.Id,
            DiagnosticTable.Find(info.Id)?.Title ?? DiagnosticTable.Internal.Title,
            "{0}",
            Category,
            info.Severity == Severity.Error ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            // No web address: the help ships in the package (docs/diagnostics.md), found offline by the id.
            description: $"{info.Id} in docs/diagnostics.md of the KexecGen.Generator package.");
        var start = new LinePosition(Math.Max(0, info.Location.Line - 1), Math.Max(0, info.Location.Column - 1));
        var location = Location.Create(info.Location.Path, new TextSpan(0, 0), new LinePositionSpan(start, start));
        return Diagnostic.Create(descriptor, location, info.Message);
    }

    /// <summary>KXG999: a bug of the generator itself, reported instead of thrown.</summary>
    public static DiagnosticInfo Internal(string path, Exception e) =>
        DiagnosticTable.Internal.At(LocationInfo.FileStart(path), $"internal error in KexecGen.Generator ({e.GetType().Name}: {e.Message}); please report it");
}
