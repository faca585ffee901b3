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
    /// <summary>The build's MSBuild properties, as the generator sees them.</summary>
    protected virtual System.Collections.Generic.Dictionary<string, string> Properties => new();

    /// <summary>The diagnostics the build turns off (its NoWarn).</summary>
    protected virtual string[] NoWarn => Array.Empty<string>();

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
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true,
                specificDiagnosticOptions: NoWarn.Select(id => new System.Collections.Generic.KeyValuePair<string, ReportDiagnostic>(id, ReportDiagnostic.Suppress))));
        _edited = _compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class B { }"));
        _warm = Driver().RunGenerators(_compilation);
        var run = _warm.GetRunResult();
        if (run.GeneratedTrees.Length != 5 || run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            throw new InvalidOperationException($"the generator did not run cleanly: {run.GeneratedTrees.Length} files, {string.Join("; ", run.Diagnostics)}");
        }
    }

    // As the compiler runs generators: no step tracking (GeneratorTests check the steps' caching with it on).
    private GeneratorDriver Driver(bool tracked = false) => CSharpGeneratorDriver.Create(new[] { new KexecGenerator().AsSourceGenerator() }, _inputs,
        optionsProvider: new KexecGen.Tests.BuildProperties(Properties),
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: tracked));

    [Benchmark(Baseline = true, Description = "cold")]
    public GeneratorDriver Cold() => Driver().RunGenerators(_compilation);

    [Benchmark(Description = "cold, with step tracking (as the tests run it)")]
    public GeneratorDriver ColdTracked() => Driver(tracked: true).RunGenerators(_compilation);

    [Benchmark(Description = "after an unrelated edit")]
    public GeneratorDriver Warm() => _warm.RunGenerators(_edited);
}

/// <summary>
/// The generator over the catalogue (tests/KexecGen.CatalogueProbe/Bindings: 50 syscalls, 43 records, 16 ioctl numbers)
/// for all 29 ABIs of the repository's table, scanned once in the setup.
/// </summary>
public class CatalogueGeneratorBenchmarks : GeneratorBenchmarks
{
    // The catalogue's structs are laid out per ABI: as the probe, it is built for one RuntimeIdentifier.
    /// <inheritdoc/>
    protected override System.Collections.Generic.Dictionary<string, string> Properties => new() { ["RuntimeIdentifier"] = "linux-x64" };

    // As the probe's project: ftruncate's and lseek's long is wider than the 32-bit ABIs' off_t, which KXG015 says.
    /// <inheritdoc/>
    protected override string[] NoWarn => new[] { "KXG015" };

    // The syscalls one table of every ABI refuses on arm OABI, hexagon and xtensa (a 64-bit argument where they state no
    // rule: KXG020, as CatalogueTests asserts) are left out, so that the figures stay comparable with earlier runs.
    private static readonly string[] Refused = { "pread64", "pwrite64", "fallocate", "sync_file_range" };

    /// <inheritdoc/>
    protected override string[] InputFiles(string root)
    {
        var dir = Directory.CreateTempSubdirectory("kexecgen-catalogue-bench-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "headers"));
        var probe = File.ReadAllText(Path.Combine(root, "tests", "KexecGen.CatalogueProbe", "Bindings", "arches.yaml"));
        probe = string.Join("\n", probe.Split('\n').Where(l => !Refused.Any(r => l.StartsWith($"    - {{ name: {r}, ", StringComparison.Ordinal))));
        File.WriteAllText(Path.Combine(dir, "arches.yaml"), KexecGen.Tests.CatalogueTable.EveryAbi(probe, File.ReadAllText(Path.Combine(root, "arches.yaml"))));
        var scan = KexecGen.Scanner.HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        if (!scan.Ok) throw new InvalidOperationException("the catalogue does not scan: " + string.Join("; ", scan.Diagnostics));
        return base.InputFiles(dir);
    }
}

/// <summary>
/// The generator over the whole syscall table by name (every row of the 29 ABIs' tables, about 660 names, each
/// <c>{ name, method }</c> alone), scanned once in the setup; built for one RuntimeIdentifier, as a NativeAOT app is.
/// </summary>
public class FullTableGeneratorBenchmarks : GeneratorBenchmarks
{
    /// <inheritdoc/>
    protected override System.Collections.Generic.Dictionary<string, string> Properties => new() { ["RuntimeIdentifier"] = "linux-x64" };

    // Some rows' arguments are wider than an ABI's kernel keeps (KXG015), some ABIs refuse a row (KXG020) or run
    // nothing for it (KXG021): all said, as a whole table's build would say them.
    /// <inheritdoc/>
    protected override string[] NoWarn => new[] { "KXG015", "KXG020", "KXG021" };

    /// <inheritdoc/>
    protected override string[] InputFiles(string root)
    {
        var dir = Directory.CreateTempSubdirectory("kexecgen-full-table-bench-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "headers"));
        var repository = File.ReadAllText(Path.Combine(root, "arches.yaml"));
        var names = KexecGen.Tests.FullTableText.TableNames(KexecGen.Config.ArchesParser.Parse(Path.Combine(root, "arches.yaml"), repository).Value!).ToList();
        var path = Path.Combine(dir, "arches.yaml");
        File.WriteAllText(path, KexecGen.Tests.FullTableText.Table(repository, names));
        var scan = KexecGen.Scanner.HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        if (!scan.Ok) throw new InvalidOperationException("the whole table does not scan: " + string.Join("; ", scan.Diagnostics));
        // The few rows no prototype types (KXG013: FullTableTests names them) are left out, as a consumer would.
        var arches = KexecGen.Config.ArchesParser.Parse(path, File.ReadAllText(path)).Value!;
        var scanned = arches.Abis.Select(a => KexecGen.Config.ScannedAbiReader.Read(Path.Combine(dir, "headers", a.Name + ".yaml"), File.ReadAllText(Path.Combine(dir, "headers", a.Name + ".yaml"))).Value!).ToList();
        var left = KexecGen.Generator.Model.ModelBuilder.Build(arches, scanned).Diagnostics.Where(d => d.Severity == KexecGen.Config.Severity.Error).Select(d => d.Message.Split(' ')[1]).ToHashSet();
        File.WriteAllText(path, KexecGen.Tests.FullTableText.Table(repository, names.Where(n => !left.Contains(n)).ToList()));
        return base.InputFiles(dir);
    }
}

/// <summary>The whole table as a portable build (no RuntimeIdentifier: every ABI .NET runs on).</summary>
public class FullTablePortableGeneratorBenchmarks : FullTableGeneratorBenchmarks
{
    /// <inheritdoc/>
    protected override System.Collections.Generic.Dictionary<string, string> Properties => new();
}
