using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using KexecGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace KexecGen.Tests;

/// <summary>Runs our generator together with .NET's LibraryImport generator, as a real build does.</summary>
internal static class GeneratorHarness
{
    private static readonly string DotnetRoot =
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));

    /// <summary>The targeting pack of the running runtime's major version (its reference assemblies and interop generator).</summary>
    private static readonly string RefPack = Directory.GetDirectories(Path.Combine(DotnetRoot, "packs", "Microsoft.NETCore.App.Ref"))
        .Where(d => Path.GetFileName(d).StartsWith(Environment.Version.Major + ".", StringComparison.Ordinal))
        .OrderBy(d => Version.Parse(Path.GetFileName(d).Split('-')[0]))
        .Last();

    public static readonly ImmutableArray<MetadataReference> References = Directory
        .GetFiles(Path.Combine(RefPack, "ref", $"net{Environment.Version.Major}.0"), "*.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
        .ToImmutableArray();

    public static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.Preview, DocumentationMode.Diagnose);

    private static readonly Lazy<ISourceGenerator> LibraryImportGenerator = new(() =>
    {
        var path = Path.Combine(RefPack, "analyzers", "dotnet", "cs", "Microsoft.Interop.LibraryImportGenerator.dll");
        var assembly = Assembly.LoadFrom(path);
        // By name: some of the assembly's other types need Roslyn's Workspaces, which a build doesn't load either.
        var type = assembly.GetType("Microsoft.Interop.LibraryImportGenerator", throwOnError: true)!;
        return ((IIncrementalGenerator)Activator.CreateInstance(type)!).AsSourceGenerator();
    });

    /// <summary>A library compilation of <paramref name="sources"/>, warnings reported as they would be in a build.</summary>
    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Consumer",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>The repository's arches.yaml and headers/*.yaml as AdditionalFiles.</summary>
    public static ImmutableArray<AdditionalText> RepoInputs(Func<string, string, string>? edit = null) =>
        InputsFrom(Repo.Root, edit);

    /// <summary>arches.yaml and headers/*.yaml of <paramref name="root"/>, each optionally edited by (file name, text) → text.</summary>
    public static ImmutableArray<AdditionalText> InputsFrom(string root, Func<string, string, string>? edit = null)
    {
        var files = new[] { Path.Combine(root, "arches.yaml") }
            .Concat(Directory.GetFiles(Path.Combine(root, "headers"), "*.yaml").OrderBy(p => p, StringComparer.Ordinal));
        return files
            .Select(p => (AdditionalText)new MemoryAdditionalText(p, edit is null ? File.ReadAllText(p) : edit(Path.GetFileName(p), File.ReadAllText(p))))
            .ToImmutableArray();
    }

    /// <summary>A driver with our generator and the LibraryImport generator, tracking steps, with the build's <paramref name="properties"/>.</summary>
    public static GeneratorDriver Driver(ImmutableArray<AdditionalText> inputs, IReadOnlyDictionary<string, string>? properties = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new KexecGenerator().AsSourceGenerator(), LibraryImportGenerator.Value },
            inputs,
            ParseOptions,
            new BuildProperties(properties ?? new Dictionary<string, string>()),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generators over <paramref name="compilation"/>: the output compilation and the generators' own diagnostics.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, GeneratorDriver Driver) Run(
        ImmutableArray<AdditionalText> inputs, CSharpCompilation compilation, IReadOnlyDictionary<string, string>? properties = null)
    {
        var driver = Driver(inputs, properties).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics.Where(d => !ProjectNoWarn.Contains(d.Id)).ToImmutableArray(), driver);
    }

    /// <summary>The diagnostics of our generator alone.</summary>
    public static ImmutableArray<Diagnostic> KexecDiagnostics(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(KexecGenerator)).Diagnostics.Where(d => !ProjectNoWarn.Contains(d.Id)).ToImmutableArray();

    /// <summary>
    /// The KexecGen diagnostics the repository's own bindings project turns off (its NoWarn: xtensa's kexec_load row runs
    /// sys_ni_syscall, KXG021), read from that project so that these builds of its inputs see what it sees.
    /// </summary>
    public static readonly IReadOnlySet<string> ProjectNoWarn = System.Xml.Linq.XDocument.Load(Path.Combine(Repo.Root, "src", "KexecGen.Interop", "KexecGen.Interop.csproj"))
        .Descendants("NoWarn").SelectMany(e => e.Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        .Where(id => id.StartsWith("KXG", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    /// <summary>Every warning and error of <paramref name="compilation"/>.</summary>
    public static List<Diagnostic> Problems(Compilation compilation) =>
        compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>Emits and loads <paramref name="compilation"/> in its own load context.</summary>
    public static Assembly Load(Compilation compilation)
    {
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success) throw new InvalidOperationException(string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        return new System.Runtime.Loader.AssemblyLoadContext("consumer-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(image);
    }
}
