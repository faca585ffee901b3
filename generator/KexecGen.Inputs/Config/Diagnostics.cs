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

/// <summary>One documented diagnostic (docs/diagnostics.md): its id, its title and how bad it is.</summary>
/// <param name="Id">KXG and three digits.</param>
/// <param name="Title">One line, as docs/diagnostics.md heads its section.</param>
/// <param name="Severity">Whether output is still produced.</param>
public sealed record DiagnosticKind(string Id, string Title, Severity Severity)
{
    /// <summary>This diagnostic at <paramref name="at"/>, saying <paramref name="message"/>.</summary>
    public DiagnosticInfo At(LocationInfo at, string message) => new(Id, Severity, message, at);
}

/// <summary>The one table of the generator's diagnostics: each id, title and severity, written once.</summary>
public static class DiagnosticTable
{
    /// <summary>KXG001.</summary>
    public static readonly DiagnosticKind YamlSyntax = new("KXG001", "YAML syntax error", Severity.Error);

    /// <summary>KXG002.</summary>
    public static readonly DiagnosticKind Schema = new("KXG002", "Input breaks its schema", Severity.Error);

    /// <summary>KXG003.</summary>
    public static readonly DiagnosticKind MissingHeaders = new("KXG003", "ABI has no scanned headers", Severity.Error);

    /// <summary>KXG004.</summary>
    public static readonly DiagnosticKind NumberMismatch = new("KXG004", "arches.yaml disagrees with the kernel headers", Severity.Error);

    /// <summary>KXG005.</summary>
    public static readonly DiagnosticKind NotScanned = new("KXG005", "Not in the scanned headers", Severity.Error);

    /// <summary>KXG006.</summary>
    public static readonly DiagnosticKind DiffersPerAbi = new("KXG006", "Value differs between ABIs", Severity.Error);

    /// <summary>KXG007.</summary>
    public static readonly DiagnosticKind LayoutMismatch = new("KXG007", "C# layout would differ from C", Severity.Error);

    /// <summary>KXG008.</summary>
    public static readonly DiagnosticKind DoesNotFit = new("KXG008", "Value does not fit its type", Severity.Error);

    /// <summary>KXG009.</summary>
    public static readonly DiagnosticKind AmbiguousArchitecture = new("KXG009", "Two ABIs claim one .NET architecture", Severity.Error);

    /// <summary>KXG010.</summary>
    public static readonly DiagnosticKind StaleHeaders = new("KXG010", "Scanned headers are stale", Severity.Warning);

    /// <summary>KXG011.</summary>
    public static readonly DiagnosticKind UnknownAbi = new("KXG011", "Headers file for an unknown ABI", Severity.Warning);

    /// <summary>KXG013.</summary>
    public static readonly DiagnosticKind PrototypeMismatch = new("KXG013", "Syscall arguments disagree with the kernel's prototype", Severity.Error);

    /// <summary>KXG014.</summary>
    public static readonly DiagnosticKind NoArgs64Rule = new("KXG014", "No rule for a 64-bit argument on an ABI", Severity.Error);

    /// <summary>KXG015.</summary>
    public static readonly DiagnosticKind ArgumentUnchecked = new("KXG015", "Syscall argument wider than the kernel's, or not checked", Severity.Warning);

    /// <summary>KXG016.</summary>
    public static readonly DiagnosticKind Unevaluated = new("KXG016", "A selected macro is no integer constant", Severity.Warning);

    /// <summary>KXG017.</summary>
    public static readonly DiagnosticKind Unscanned = new("KXG017", "A bound struct cannot be scanned", Severity.Error);

    /// <summary>KXG018.</summary>
    public static readonly DiagnosticKind LayoutDiffers = new("KXG018", "A struct's layout differs between the ABIs one build runs on", Severity.Error);

    /// <summary>KXG019.</summary>
    public static readonly DiagnosticKind ExceedsBound = new("KXG019", "Input exceeds a bound", Severity.Error);

    /// <summary>KXG020.</summary>
    public static readonly DiagnosticKind RefusedOnAbi = new("KXG020", "A syscall is refused on some ABIs", Severity.Warning);

    /// <summary>KXG021.</summary>
    public static readonly DiagnosticKind NotImplemented = new("KXG021", "A syscall's row runs nothing on some ABIs", Severity.Warning);

    /// <summary>KXG999: a bug of the generator itself, reported instead of thrown.</summary>
    public static readonly DiagnosticKind Internal = new("KXG999", "Internal error", Severity.Error);

    /// <summary>Every kind, in id order.</summary>
    public static readonly System.Collections.Generic.IReadOnlyList<DiagnosticKind> All = new[]
    {
        YamlSyntax, Schema, MissingHeaders, NumberMismatch, NotScanned, DiffersPerAbi, LayoutMismatch, DoesNotFit,
        AmbiguousArchitecture, StaleHeaders, UnknownAbi, PrototypeMismatch, NoArgs64Rule, ArgumentUnchecked, Unevaluated, Unscanned, LayoutDiffers,
        ExceedsBound, RefusedOnAbi, NotImplemented, Internal,
    };

    /// <summary>The kind of <paramref name="id"/>, or null.</summary>
    public static DiagnosticKind? Find(string id)
    {
        foreach (var kind in All)
        {
            if (kind.Id == id) return kind;
        }
        return null;
    }
}

/// <summary>How each documented diagnostic is made, with its message.</summary>
public static class Diagnose
{
    /// <summary>KXG001: a YAML file does not parse.</summary>
    public static DiagnosticInfo YamlSyntax(LocationInfo at, string problem) =>
        DiagnosticTable.YamlSyntax.At(at, $"YAML syntax error: {problem}");

    /// <summary>KXG002: a YAML file parses but breaks its schema (missing key, wrong kind, bad value).</summary>
    public static DiagnosticInfo Schema(LocationInfo at, string problem) =>
        DiagnosticTable.Schema.At(at, problem);

    /// <summary>KXG003: an ABI of arches.yaml has no scanned headers file.</summary>
    public static DiagnosticInfo MissingHeaders(LocationInfo at, string abi) =>
        DiagnosticTable.MissingHeaders.At(at, $"ABI '{abi}' has no scanned headers file (headers/{abi}.yaml); run `kexecgen-scan scan`");

    /// <summary>KXG004: a number in arches.yaml disagrees with the scanned headers.</summary>
    public static DiagnosticInfo NumberMismatch(LocationInfo at, string abi, string what, string expected, string scanned) =>
        DiagnosticTable.NumberMismatch.At(at, $"ABI '{abi}': arches.yaml says {what} is {expected}, but its kernel headers say {scanned}");

    /// <summary>KXG005: a constant, struct or syscall the bindings name is not in an ABI's scanned headers.</summary>
    public static DiagnosticInfo NotScanned(LocationInfo at, string abi, string what) =>
        DiagnosticTable.NotScanned.At(at, $"ABI '{abi}': {what} is not in its scanned headers");

    /// <summary>KXG006: a value the bindings need as one compile-time constant differs between ABIs.</summary>
    public static DiagnosticInfo DiffersPerAbi(LocationInfo at, string what, string detail) =>
        DiagnosticTable.DiffersPerAbi.At(at, $"{what} differs between ABIs ({detail}) and cannot be one constant");

    /// <summary>KXG007: a struct's C# form would not have the C layout on some ABI.</summary>
    public static DiagnosticInfo LayoutMismatch(LocationInfo at, string abi, string detail) =>
        DiagnosticTable.LayoutMismatch.At(at, $"ABI '{abi}': {detail}");

    /// <summary>KXG008: a value does not fit the C# type chosen for it.</summary>
    public static DiagnosticInfo DoesNotFit(LocationInfo at, string what, long value, string type) =>
        DiagnosticTable.DoesNotFit.At(at, $"{what} = {value} does not fit the type '{type}' given for it");

    /// <summary>KXG009: two ABIs run as the same .NET architecture, so run-time dispatch would be ambiguous.</summary>
    public static DiagnosticInfo AmbiguousArchitecture(LocationInfo at, string architecture, string first, string second) =>
        DiagnosticTable.AmbiguousArchitecture.At(at, $".NET architecture '{architecture}' is claimed by both '{first}' and '{second}'");

    /// <summary>KXG010: a headers file was scanned from inputs that no longer match arches.yaml.</summary>
    public static DiagnosticInfo StaleHeaders(LocationInfo at, string abi, string detail) =>
        DiagnosticTable.StaleHeaders.At(at, $"headers/{abi}.yaml is stale: {detail}; run `kexecgen-scan scan`");

    /// <summary>KXG011: a scanned headers file names an ABI that arches.yaml does not have.</summary>
    public static DiagnosticInfo UnknownAbi(LocationInfo at, string abi) =>
        DiagnosticTable.UnknownAbi.At(at, $"headers file for ABI '{abi}', which arches.yaml does not list; it is ignored");

    /// <summary>KXG013: a syscall's arguments, as arches.yaml types them or as the stub would pass them, disagree with the kernel's prototype on an ABI.</summary>
    public static DiagnosticInfo PrototypeMismatch(LocationInfo at, string syscall, System.Collections.Generic.IEnumerable<string> abis, string detail) =>
        DiagnosticTable.PrototypeMismatch.At(at, $"syscall {syscall} on {Abis(abis)}: {detail}");

    /// <summary>KXG014: a 64-bit argument would be passed on a 32-bit ABI whose arches.yaml entry has no args64 rule.</summary>
    public static DiagnosticInfo NoArgs64Rule(LocationInfo at, string syscall, System.Collections.Generic.IEnumerable<string> abis, string argument) =>
        DiagnosticTable.NoArgs64Rule.At(at, $"syscall {syscall}: argument {argument} is 64 bits wide, and {Abis(abis)} (32-bit pointers) state no args64 rule saying how a 64-bit argument is passed (one register, a pair, an aligned pair: docs/arches.md); refused rather than guessed");

    /// <summary>KXG015: an argument is typed wider than the kernel's (truncated to the kernel's width), or cannot be checked.</summary>
    public static DiagnosticInfo ArgumentUnchecked(LocationInfo at, string syscall, System.Collections.Generic.IEnumerable<string> abis, string detail) =>
        DiagnosticTable.ArgumentUnchecked.At(at, $"syscall {syscall} on {Abis(abis)}: {detail}");

    /// <summary>KXG016: a macro a constants rule selects does not evaluate to an integer on some ABIs (the scanner's warning): it is left out there, the scan goes on.</summary>
    public static DiagnosticInfo Unevaluated(LocationInfo at, string macro, string file, System.Collections.Generic.IEnumerable<string> abis) =>
        DiagnosticTable.Unevaluated.At(at, $"{macro} ({file}) is no integer constant expression on {Abis(abis)}: it is left out there (a string, a type, or an expression those headers cannot evaluate)");

    /// <summary>KXG017: the scanner cannot lay out a bound struct on some ABIs (a union, a bit-field, a form the gcc scan cannot read): it is left out there, the rest is scanned.</summary>
    public static DiagnosticInfo Unscanned(LocationInfo at, string structName, string why, System.Collections.Generic.IEnumerable<string> abis) =>
        DiagnosticTable.Unscanned.At(at, $"struct {structName} cannot be scanned on {Abis(abis)}: {why}; it is left out of their headers files");

    /// <summary>KXG018: a record's layout differs between the ABIs a portable build runs on, so no one C# struct is right on all of them.</summary>
    public static DiagnosticInfo LayoutDiffers(LocationInfo at, string record, string detail) =>
        DiagnosticTable.LayoutDiffers.At(at, $"{record} is laid out differently on the ABIs .NET runs on ({detail}), so no one C# struct is right on all of them: build for one RuntimeIdentifier (<RuntimeIdentifier>linux-x64</RuntimeIdentifier>, as NativeAOT does), which binds that ABI's layout");

    /// <summary>KXG019: an input is larger, longer or deeper than <see cref="InputBounds"/> lets a file be (<paramref name="what"/> says which bound, and its number), so it is not read on.</summary>
    public static DiagnosticInfo ExceedsBound(LocationInfo at, string what) =>
        DiagnosticTable.ExceedsBound.At(at, $"{what}: past the bounds KexecGen reads a file within, which no real input comes near and which keep a broken or hostile file from hanging the build; the file is not read on");

    /// <summary>KXG020: a syscall cannot be called as the C# parameters say on some ABIs, while others can: unbound there (its stub answers ENOSYS), bound elsewhere.</summary>
    public static DiagnosticInfo RefusedOnAbi(LocationInfo at, string syscall, System.Collections.Generic.IEnumerable<string> abis, string detail) =>
        DiagnosticTable.RefusedOnAbi.At(at, $"syscall {syscall} is refused on {Abis(abis)}, and answers ENOSYS there: {detail}");

    /// <summary>KXG021: a syscall's row runs sys_ni_syscall (the kernel fills rows without an entry point with it) on some ABIs.</summary>
    public static DiagnosticInfo NotImplemented(LocationInfo at, string syscall, System.Collections.Generic.IEnumerable<string> abis, string consequence) =>
        DiagnosticTable.NotImplemented.At(at, $"syscall {syscall} is numbered on {Abis(abis)} but the kernel runs sys_ni_syscall there (no entry point in the syscall table), which answers ENOSYS: {consequence}");

    /// <summary>"ABI 'i386'", or "ABIs 'i386', 'arm'".</summary>
    public static string Abis(System.Collections.Generic.IEnumerable<string> abis)
    {
        var list = new System.Collections.Generic.List<string>(abis);
        return (list.Count == 1 ? "ABI '" : "ABIs '") + string.Join("', '", list) + "'";
    }

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
