using System;
using KexecGen.Config;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KexecGen.Generator;

/// <summary>Turns <see cref="DiagnosticInfo"/> data into Roslyn diagnostics, only at the reporting edge.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "KexecGen";
    private const string HelpLinkBase = "https://github.com/kexecgen/kexecgen/blob/main/docs/diagnostics.md#";

    public static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        var descriptor = new DiagnosticDescriptor(
            info.Id,
            Title(info.Id),
            "{0}",
            Category,
            info.Severity == Severity.Error ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            helpLinkUri: HelpLinkBase + info.Id.ToLowerInvariant());
        var start = new LinePosition(Math.Max(0, info.Location.Line - 1), Math.Max(0, info.Location.Column - 1));
        var location = Location.Create(info.Location.Path, new TextSpan(0, 0), new LinePositionSpan(start, start));
        return Diagnostic.Create(descriptor, location, info.Message);
    }

    /// <summary>KXG999: a bug of the generator itself, reported instead of thrown.</summary>
    public static DiagnosticInfo Internal(string path, Exception e) =>
        new("KXG999", Severity.Error, $"internal error in KexecGen.Generator ({e.GetType().Name}: {e.Message}); please report it", LocationInfo.FileStart(path));

    private static string Title(string id) => id switch
    {
        "KXG001" => "YAML syntax error",
        "KXG002" => "Input breaks its schema",
        "KXG003" => "ABI has no scanned headers",
        "KXG004" => "arches.yaml disagrees with the kernel headers",
        "KXG005" => "Not in the scanned headers",
        "KXG006" => "Value differs between ABIs",
        "KXG007" => "C# layout would differ from C",
        "KXG008" => "Value does not fit its type",
        "KXG009" => "Two ABIs claim one .NET architecture",
        "KXG010" => "Scanned headers are stale",
        "KXG011" => "Headers file for an unknown ABI",
        _ => "KexecGen internal error",
    };
}
