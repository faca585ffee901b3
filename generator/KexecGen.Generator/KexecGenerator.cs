using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Config;
using KexecGen.Generator.Emit;
using KexecGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KexecGen.Generator;

/// <summary>
/// Reads arches.yaml and headers/*.yaml (AdditionalFiles) and emits structs, enums, constants and syscall stubs.
/// The source goes in through the pre-compilation output, so that .NET's LibraryImport generator implements our
/// <c>[LibraryImport]</c> methods; diagnostics go through an ordinary source output, which can report them.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KexecGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var arches = context.AdditionalTextsProvider
            .Where(text => Path.GetFileName(text.Path) == ArchesParser.FileName)
            .Select((text, ct) => Guarded(text.Path, () => ArchesParser.Parse(text.Path, text.GetText(ct)?.ToString() ?? "")))
            .WithTrackingName(StepNames.Arches)
            .Collect();

        var options = context.AnalyzerConfigOptionsProvider
            .Select((options, _) => (Scope: Property(options, AbiTableProperty), RuntimeIdentifier: Property(options, "RuntimeIdentifier")))
            .WithTrackingName(StepNames.Options);

        // A headers file's field lines are most of it; the ABIs a build neither lays out nor tables need none of them.
        var abisWithFields = arches.Combine(options)
            .Select((pair, _) => pair.Left.Length == 1 && pair.Left[0].Value is { } spec && ParseScope(pair.Right.Scope) is { } scope
                ? ModelBuilder.AbisWithFields(spec, scope)
                : (EquatableArray<string>?)null)
            .WithTrackingName(StepNames.AbisWithFields);

        var headers = context.AdditionalTextsProvider
            .Where(text => ScannedAbiFormat.IsScannedFile(text.Path))
            .Combine(abisWithFields)
            .Select((pair, ct) => Guarded(pair.Left.Path, () => ScannedAbiReader.Read(pair.Left.Path, pair.Left.GetText(ct)?.ToString() ?? "",
                pair.Right is { } wanted ? abi => wanted.Contains(abi) : null)))
            .WithTrackingName(StepNames.Headers)
            .Collect()
            .Select((all, _) => all.OrderBy(p => p.Value?.Path ?? p.Diagnostics.FirstOrDefault()?.Location.Path, StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(StepNames.HeadersCollected);

        var model = arches.Combine(headers).Combine(options)
            .Select((pair, _) => BuildModel(pair.Left.Left, pair.Left.Right, pair.Right.Scope, pair.Right.RuntimeIdentifier))
            .WithTrackingName(StepNames.Model);

#if ROSLYN4
        // Compilers before Roslyn 5.9 have no pre-compilation output: the stubs carry their own marshalling.
        RegisterFallback(context, model);
#else
        try
        {
            RegisterPreCompilation(context, model);
        }
        catch (Exception e) when (e is MissingMethodException or TypeLoadException)
        {
            // The API is experimental: where a compiler lacks it, fall back rather than emit nothing.
            RegisterFallback(context, model);
        }
#endif

        var diagnostics = model.Select((result, _) => result.Diagnostics).WithTrackingName(StepNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, found) =>
        {
            foreach (var info in found) output.ReportDiagnostic(DiagnosticDescriptors.ToDiagnostic(info));
        });
    }

#if !ROSLYN4
    // Source added here is part of the initial compilation, so .NET's LibraryImport generator implements our stubs.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void RegisterPreCompilation(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<ModelResult> model)
    {
        var rendered = Rendered(model, libraryImport: true);
        context.RegisterPreCompilationSourceOutput(rendered, static (output, result) => AddAll(result.Files, output.AddSource));
        ReportRenderFailures(context, rendered);
    }
#endif

    private static void RegisterFallback(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<ModelResult> model)
    {
        var rendered = Rendered(model, libraryImport: false);
        context.RegisterSourceOutput(rendered, static (output, result) => AddAll(result.Files, output.AddSource));
        ReportRenderFailures(context, rendered);
    }

    // The pre-compilation output cannot report diagnostics: a render failure is reported from an ordinary output.
    private static void ReportRenderFailures(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<RenderResult> rendered) =>
        context.RegisterSourceOutput(rendered, static (output, result) =>
        {
            foreach (var info in result.Diagnostics) output.ReportDiagnostic(DiagnosticDescriptors.ToDiagnostic(info));
        });

    private static IncrementalValueProvider<RenderResult> Rendered(IncrementalValueProvider<ModelResult> model, bool libraryImport) =>
        model.Select((result, _) => result.Model is null ? RenderResult.Empty : RenderOrReport(result.Model, libraryImport))
            .WithTrackingName(StepNames.Render);

    private static void AddAll(EquatableArray<GeneratedFile> files, Action<string, SourceText> addSource)
    {
        foreach (var file in files) addSource(file.HintName, SourceText.From(file.Text, Encoding.UTF8));
    }

    // A template failure must not throw out of the generator (CS8785 would drop everything silently): it becomes
    // KXG999, located at arches.yaml, and no output.
    private static RenderResult RenderOrReport(BindingModel model, bool libraryImport)
    {
        try
        {
            return new RenderResult(Emitter.Render(model, libraryImport), EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failure = DiagnosticTable.Internal.At(LocationInfo.FileStart(ArchesParser.FileName),
                $"internal error rendering the KexecGen templates ({e.GetType().Name}: {e.Message}); please report it");
            return new RenderResult(EquatableArray<GeneratedFile>.Empty, new[] { failure }.ToEquatableArray());
        }
    }

    // A reader bug becomes KXG999 on the file, not an exception out of the generator (CS8785 would drop all output).
    private static Parsed<T> Guarded<T>(string path, Func<Parsed<T>> parse) where T : class
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new Parsed<T>(null, new[] { DiagnosticDescriptors.Internal(path, e) }.ToEquatableArray());
        }
    }

    private static string Property(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider options, string name) =>
        options.GlobalOptions.TryGetValue("build_property." + name, out var value) ? value : "";

    /// <summary>The MSBuild property choosing the ABI table: <c>dotnet</c> (default) or <c>full</c>.</summary>
    public const string AbiTableProperty = "KexecGenAbiTable";

    private static AbiTableScope? ParseScope(string value) => value.Trim().ToLowerInvariant() switch
    {
        "" or "dotnet" => AbiTableScope.DotNet,
        "full" => AbiTableScope.Full,
        _ => null,
    };

    // Every stage's diagnostics travel with the model; the generator itself never throws.
    private static ModelResult BuildModel(ImmutableArray<Parsed<ArchesSpec>> arches, EquatableArray<Parsed<ScannedAbi>> headers, string scopeValue, string runtimeIdentifier)
    {
        var diagnostics = new List<DiagnosticInfo>(arches.SelectMany(a => a.Diagnostics).Concat(headers.SelectMany(h => h.Diagnostics)));
        if (arches.Length == 0)
        {
            if (headers.Count > 0)
            {
                diagnostics.Add(Diagnose.Schema(headers[0].Diagnostics.FirstOrDefault()?.Location ?? LocationInfo.FileStart(headers[0].Value?.Path ?? ""),
                    "headers files are given but no arches.yaml (add it as an AdditionalFiles item)"));
            }
            return new ModelResult(null, diagnostics.ToEquatableArray());
        }
        if (arches.Length > 1)
        {
            diagnostics.Add(Diagnose.Schema(LocationInfo.FileStart(arches[1].Value?.Path ?? ArchesParser.FileName), "more than one arches.yaml is given; pass exactly one"));
            return new ModelResult(null, diagnostics.ToEquatableArray());
        }
        if (arches[0].Value is not { } spec || Diagnose.HasErrors(diagnostics)) return new ModelResult(null, diagnostics.ToEquatableArray());
        try
        {
            var scope = ParseScope(scopeValue);
            if (scope is null)
            {
                diagnostics.Add(Diagnose.Schema(LocationInfo.FileStart(spec.Path),
                    $"the MSBuild property {AbiTableProperty} is '{scopeValue}': use dotnet (the default: the ABIs .NET runs on) or full (every ABI, with its constants)"));
                return new ModelResult(null, diagnostics.ToEquatableArray());
            }
            var built = ModelBuilder.Build(spec, headers.Where(h => h.Value is not null).Select(h => h.Value!).ToList(), scope.Value, runtimeIdentifier.Trim());
            diagnostics.AddRange(built.Diagnostics);
            return new ModelResult(built.Model, diagnostics.ToEquatableArray());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticDescriptors.Internal(spec.Path, e));
            return new ModelResult(null, diagnostics.ToEquatableArray());
        }
    }
}
