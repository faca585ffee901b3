using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator.Emit;
using KexecGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// The catalogue (tests/KexecGen.CatalogueProbe/Bindings/arches.yaml) generated for every ABI in that ABI's own
/// layouts, as a build for its RuntimeIdentifier would be: every record of every shape bound, the C# compiles, and
/// nothing refused but what has no rule (a 64-bit argument on arm OABI, hexagon and xtensa: KXG020 for KXG014's reason).
/// </summary>
public class CatalogueTests(ITestOutputHelper output)
{
    public static TheoryData<string> Abis => new(Repo.Arches.Abis.Select(a => a.Name));

    // One table binds a syscall for every ABI: a 64-bit argument where arm OABI, hexagon and xtensa state no rule for
    // it is refused on those three alone (KXG020, a warning): the syscalls stay bound on every other ABI.
    internal static readonly Lazy<ArchesSpec> Lowerable = new(() =>
    {
        var catalogue = CatalogueBindings.Instance;
        var built = ModelBuilder.Build(catalogue.Arches, catalogue.Scanned.ToList(), AbiTableScope.Full, layoutAbi: "x86_64");
        Assert.DoesNotContain(built.Diagnostics, d => d.Severity == Severity.Error);
        var refusals = built.Diagnostics.Where(d => d.Id == "KXG020").ToList();
        Assert.All(refusals, d => Assert.Contains("'arm_oabi', 'hexagon', 'xtensa'", d.Message, StringComparison.Ordinal));
        Assert.All(refusals, d => Assert.Contains("no args64 rule", d.Message, StringComparison.Ordinal));
        var refused = refusals.Select(d => d.Message.Split(' ')[1]).ToHashSet();
        Assert.Equal(new[] { "fallocate", "pread64", "pwrite64", "sync_file_range" }, refused.OrderBy(n => n, StringComparer.Ordinal));
        // Each stays bound, answering ENOSYS on the three ABIs alone.
        foreach (var name in refused)
        {
            var calls = built.Model!.Syscalls.Single(s => s.Name == name).Calls;
            Assert.Equal(new[] { "arm_oabi", "hexagon", "xtensa" }, calls.Where(c => c.Number is null).Select(c => c.Abi).Where(a => a is "arm_oabi" or "hexagon" or "xtensa"));
            Assert.Contains(calls, c => c.Abi == "x86_64" && c.Number is not null);
        }
        return catalogue.Arches;
    });

    [Theory]
    [MemberData(nameof(Abis))]
    public void EveryAbi_GeneratesTheCatalogue_InItsOwnLayouts(string abi)
    {
        var catalogue = CatalogueBindings.Instance;
        var arches = Lowerable.Value;
        var built = ModelBuilder.Build(arches, catalogue.Scanned.ToList(), AbiTableScope.Full, layoutAbi: abi);
        var errors = built.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
        var scanned = catalogue.Scanned.Single(s => s.Abi == abi);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var model = built.Model!;
        Assert.Equal(abi, model.LayoutAbi);

        // Every bound record, and every record they hold, is there in the ABI's layout.
        Assert.Equal(scanned.Structs.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal), model.Structs.Select(s => s.CName).OrderBy(n => n, StringComparer.Ordinal));
        foreach (var record in model.Structs.Where(r => r.Explicit))
        {
            var c = scanned.Structs.Single(s => s.Name == record.CName);
            Assert.Equal(c.Size, record.Size);
            Assert.All(record.Fields, f => Assert.Equal(c.Fields.Single(x => x.Name == f.CName).Offset, f.Offset));
        }
        Assert.Equal(arches.Bindings.Syscalls.Count, model.Syscalls.Count);
        Assert.Equal(16, model.Classes.Single(c => c.Name == "Ioctls").Members.Count);

        // The C# compiles (the stubs in the shape that needs no other generator).
        var files = Emitter.Render(model, libraryImport: false);
        var compilation = CSharpCompilation.Create("catalogue_" + abi, files.Select(f => CSharpSyntaxTree.ParseText(f.Text, GeneratorHarness.ParseOptions, path: f.HintName)),
            GeneratorHarness.References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var problems = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(10).Select(d => $"{d}: {d.Location.SourceTree!.GetText().Lines[d.Location.GetLineSpan().StartLinePosition.Line]}")));

        output.WriteLine($"{abi}: {model.Syscalls.Count} syscalls; {model.Structs.Count} records ({model.Structs.Count(s => s.Held)} held by others, "
            + $"{model.Structs.Count(s => s.Kind == "union")} unions, {model.Structs.Count(s => s.Explicit)} explicit, {model.Structs.Count(s => !s.Explicit)} sequential), "
            + $"{model.Structs.Sum(s => s.Fields.Count(f => model.Arrays.Any(a => a.Name == f.Type)))} array fields, {model.Structs.Sum(s => s.BitFields.Count)} bit-fields, "
            + $"{model.Structs.Sum(s => s.Flexible.Count)} flexible arrays; {model.Classes.Single(c => c.Name == "Ioctls").Members.Count} ioctl numbers");
    }

    [Fact]
    public void APortableBuild_RefusesTheRecordsWhoseLayoutDiffersBetweenDotNetsAbis_AndBindsTheRest()
    {
        var catalogue = CatalogueBindings.Instance;
        var built = ModelBuilder.Build(catalogue.Arches, catalogue.Scanned.ToList(), AbiTableScope.DotNet);

        var differs = built.Diagnostics.Where(d => d.Id == "KXG018").Select(d => d.Message.Split(' ')[1]).ToList();
        // epoll_event is packed on x86_64 alone; sysinfo's padding array is 8 bytes on 32-bit ABIs, none on 64-bit ones.
        Assert.Contains("epoll_event", differs);
        Assert.Contains("sysinfo", differs);
        // statx has fixed-width fields only: one layout everywhere.
        Assert.DoesNotContain("statx", differs);
        Assert.DoesNotContain(built.Diagnostics, d => d.Severity == Severity.Error && d.Id is not "KXG018");
        output.WriteLine("refused in a portable build (KXG018): " + string.Join(", ", differs));
    }
}
