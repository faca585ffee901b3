using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using KexecGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace KexecGen.Benchmarks;

/// <summary>The generator over the repository's table (every ABI): a cold run, and a run after an unrelated edit (every step cached).</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    /// <summary>The repository's arches.yaml and headers/.</summary>
    protected virtual string[] InputFiles(string root) =>
        new[] { Path.Combine(root, "arches.yaml") }.Concat(Directory.GetFiles(Path.Combine(root, "headers"), "*.yaml")).ToArray();

    private ImmutableArray<AdditionalText> _inputs;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _warm = null!;

    private sealed class Text(string path, string text) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(System.Threading.CancellationToken cancellationToken = default) => SourceText.From(text);
    }

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "arches.yaml"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        _inputs = InputFiles(root).Select(p => (AdditionalText)new Text(p, File.ReadAllText(p))).ToImmutableArray();
        var references = AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && a.Location.Length > 0)
            .Select(a => MetadataReference.CreateFromFile(a.Location));
        _compilation = CSharpCompilation.Create("Bench", new[] { CSharpSyntaxTree.ParseText("class A { }") }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        _edited = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class B { }"));
        _warm = Driver().RunGenerators(_compilation);
        var run = _warm.GetRunResult();
        if (run.GeneratedTrees.Length != 5 || !run.Diagnostics.IsEmpty)
        {
            throw new InvalidOperationException($"the generator did not run cleanly: {run.GeneratedTrees.Length} files, {string.Join("; ", run.Diagnostics)}");
        }
    }

    // As the compiler runs generators: no step tracking (GeneratorTests check the steps' caching with it on).
    private GeneratorDriver Driver() => CSharpGeneratorDriver.Create(new[] { new KexecGenerator().AsSourceGenerator() }, _inputs,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    [Benchmark(Baseline = true, Description = "cold")]
    public GeneratorDriver Cold() => Driver().RunGenerators(_compilation);

    [Benchmark(Description = "cold, with step tracking (as the tests run it)")]
    public GeneratorDriver ColdTracked() => CSharpGeneratorDriver.Create(new[] { new KexecGenerator().AsSourceGenerator() }, _inputs,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true)).RunGenerators(_compilation);

    [Benchmark(Description = "after an unrelated edit")]
    public GeneratorDriver Warm() => _warm.RunGenerators(_edited);
}

/// <summary>
/// The generator over the catalogue (tests/KexecGen.CatalogueProbe/Bindings: 50 syscalls, 43 records, 16 ioctl numbers)
/// for all 29 ABIs of the repository's table, scanned once in the setup.
/// </summary>
public class CatalogueGeneratorBenchmarks : GeneratorBenchmarks
{
    /// <inheritdoc/>
    protected override string[] InputFiles(string root)
    {
        var dir = Directory.CreateTempSubdirectory("kexecgen-catalogue-bench-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "headers"));
        File.WriteAllText(Path.Combine(dir, "arches.yaml"), KexecGen.Tests.CatalogueTable.EveryAbi(
            File.ReadAllText(Path.Combine(root, "tests", "KexecGen.CatalogueProbe", "Bindings", "arches.yaml")), File.ReadAllText(Path.Combine(root, "arches.yaml"))));
        var scan = KexecGen.Scanner.HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        if (!scan.Ok) throw new InvalidOperationException("the catalogue does not scan: " + string.Join("; ", scan.Diagnostics));
        return base.InputFiles(dir);
    }
}
