using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using KexecGen.Config;
using KexecGen.Tests;

namespace KexecGen.Benchmarks;

/// <summary>
/// What refusing a hostile arches.yaml costs, against a small wrong file's parse: the billion laughs (eleven lines, 9^10
/// values expanded) used as a mapping key and as a value, and lists nested 100,000 deep. Before they were refused from
/// the parser's events the laughs as a key took minutes and the nesting overflowed the stack. The real arches.yaml, a
/// valid file, is read for scale.
/// </summary>
[MemoryDiagnoser]
public class HostileInputBenchmarks
{
    // Parses, but breaks the schema at once: 'abis' is no list.
    private const string SmallWrongFile = "kernel:\n  package: linux-source-6.12=6.12.117-1~deb12u1\nabis: x86_64\nbindings: {}\n";

    private readonly string _laughsAsKey = HostileYaml.LaughsAsKey();
    private readonly string _laughsAsValue = HostileYaml.LaughsAsValue();
    private readonly string _nested = HostileYaml.NestedLists(100_000);
    private string _real = "";

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "arches.yaml"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        _real = File.ReadAllText(Path.Combine(root, "arches.yaml"));
    }

    [Benchmark(Baseline = true, Description = "a small wrong file")]
    public Parsed<ArchesSpec> SmallWrong() => ArchesParser.Parse("arches.yaml", SmallWrongFile);

    [Benchmark(Description = "billion laughs as a key")]
    public Parsed<ArchesSpec> LaughsAsKey() => ArchesParser.Parse("arches.yaml", _laughsAsKey);

    [Benchmark(Description = "billion laughs as a value")]
    public Parsed<ArchesSpec> LaughsAsValue() => ArchesParser.Parse("arches.yaml", _laughsAsValue);

    [Benchmark(Description = "lists nested 100,000 deep")]
    public Parsed<ArchesSpec> Nested() => ArchesParser.Parse("arches.yaml", _nested);

    [Benchmark(Description = "the real arches.yaml (valid, 22 KB)")]
    public Parsed<ArchesSpec> Real() => ArchesParser.Parse("arches.yaml", _real);
}
