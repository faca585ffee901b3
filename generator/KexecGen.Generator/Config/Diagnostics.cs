using System;

namespace KexecGen.Config;

/// <summary>A place in an input file: path, 1-based line and column.</summary>
public sealed record LocationInfo(string Path, int Line, int Column)
{
    /// <summary>The file as a whole, for problems without a line.</summary>
    public static LocationInfo FileStart(string path) => new(path, 1, 1);

    /// <inheritdoc/>
    public override string ToString() => $"{Path}({Line},{Column})";
}

/// <summary>How bad a diagnostic is.</summary>
public enum Severity
{
    /// <summary>Something looks wrong but output is still produced.</summary>
    Warning,

    /// <summary>Output would be wrong; none is produced.</summary>
    Error,
}

/// <summary>A problem found in the inputs, as data: an id, a message and where.</summary>
public sealed record DiagnosticInfo(string Id, Severity Severity, string Message, LocationInfo Location)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Location}: {(Severity == Severity.Error ? "error" : "warning")} {Id}: {Message}";
}

/// <summary>The documented diagnostic ids (docs/diagnostics.md) and how each one is made.</summary>
public static class Diagnose
{
    /// <summary>KXG001: a YAML file does not parse.</summary>
    public static DiagnosticInfo YamlSyntax(LocationInfo at, string problem) =>
        new("KXG001", Severity.Error, $"YAML syntax error: {problem}", at);

    /// <summary>KXG002: a YAML file parses but breaks its schema (missing key, wrong kind, bad value).</summary>
    public static DiagnosticInfo Schema(LocationInfo at, string problem) =>
        new("KXG002", Severity.Error, problem, at);

    /// <summary>KXG003: an ABI of arches.yaml has no scanned headers file.</summary>
    public static DiagnosticInfo MissingHeaders(LocationInfo at, string abi) =>
        new("KXG003", Severity.Error, $"ABI '{abi}' has no scanned headers file (headers/{abi}.yaml); run `kexecgen-scan scan`", at);

    /// <summary>KXG004: a number in arches.yaml disagrees with the scanned headers.</summary>
    public static DiagnosticInfo NumberMismatch(LocationInfo at, string abi, string what, string expected, string scanned) =>
        new("KXG004", Severity.Error, $"ABI '{abi}': arches.yaml says {what} is {expected}, but its kernel headers say {scanned}", at);

    /// <summary>KXG005: a constant, struct or syscall the bindings name is not in an ABI's scanned headers.</summary>
    public static DiagnosticInfo NotScanned(LocationInfo at, string abi, string what) =>
        new("KXG005", Severity.Error, $"ABI '{abi}': {what} is not in its scanned headers", at);

    /// <summary>KXG006: a value the bindings need as one compile-time constant differs between ABIs.</summary>
    public static DiagnosticInfo DiffersPerAbi(LocationInfo at, string what, string detail) =>
        new("KXG006", Severity.Error, $"{what} differs between ABIs ({detail}) and cannot be one constant", at);

    /// <summary>KXG007: a struct's C# form would not have the C layout on some ABI.</summary>
    public static DiagnosticInfo LayoutMismatch(LocationInfo at, string abi, string detail) =>
        new("KXG007", Severity.Error, $"ABI '{abi}': {detail}", at);

    /// <summary>KXG008: a value does not fit the C# type chosen for it.</summary>
    public static DiagnosticInfo DoesNotFit(LocationInfo at, string what, long value, string type) =>
        new("KXG008", Severity.Error, $"{what} = {value} does not fit the enum type '{type}'", at);

    /// <summary>KXG009: two ABIs run as the same .NET architecture, so run-time dispatch would be ambiguous.</summary>
    public static DiagnosticInfo AmbiguousArchitecture(LocationInfo at, string architecture, string first, string second) =>
        new("KXG009", Severity.Error, $".NET architecture '{architecture}' is claimed by both '{first}' and '{second}'", at);

    /// <summary>KXG010: a headers file was scanned from inputs that no longer match arches.yaml.</summary>
    public static DiagnosticInfo StaleHeaders(LocationInfo at, string abi, string detail) =>
        new("KXG010", Severity.Warning, $"headers/{abi}.yaml is stale: {detail}; run `kexecgen-scan scan`", at);

    /// <summary>KXG011: a scanned headers file names an ABI that arches.yaml does not have.</summary>
    public static DiagnosticInfo UnknownAbi(LocationInfo at, string abi) =>
        new("KXG011", Severity.Warning, $"headers file for ABI '{abi}', which arches.yaml does not list; it is ignored", at);

    /// <summary>Whether any of <paramref name="diagnostics"/> is an error.</summary>
    public static bool HasErrors(System.Collections.Generic.IEnumerable<DiagnosticInfo> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            if (d.Severity == Severity.Error) return true;
        }
        return false;
    }
}

/// <summary>A parsed value, or none, with the diagnostics found on the way.</summary>
public sealed record Parsed<T>(T? Value, EquatableArray<DiagnosticInfo> Diagnostics) where T : class;
