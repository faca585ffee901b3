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

/// <summary>The generator over every ABI: a cold run, and a run after an unrelated edit (every step cached).</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
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
        _inputs = new[] { Path.Combine(root, "arches.yaml") }.Concat(Directory.GetFiles(Path.Combine(root, "headers"), "*.yaml"))
            .Select(p => (AdditionalText)new Text(p, File.ReadAllText(p))).ToImmutableArray();
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

    [Benchmark(Baseline = true, Description = "cold: every ABI and header")]
    public GeneratorDriver Cold() => Driver().RunGenerators(_compilation);

    [Benchmark(Description = "cold, with step tracking (as the tests run it)")]
    public GeneratorDriver ColdTracked() => CSharpGeneratorDriver.Create(new[] { new KexecGenerator().AsSourceGenerator() }, _inputs,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true)).RunGenerators(_compilation);

    [Benchmark(Description = "after an unrelated edit")]
    public GeneratorDriver Warm() => _warm.RunGenerators(_edited);
}
