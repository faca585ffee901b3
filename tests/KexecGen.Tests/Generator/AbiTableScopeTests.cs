using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The KexecGenAbiTable build property: the ABIs .NET runs on by default, every ABI with its constants when full.</summary>
public class AbiTableScopeTests
{
    [Fact]
    public void ByDefault_TheTableHoldsTheAbisDotnetRunsOn_WithoutConstants()
    {
        var table = GeneratedTable(properties: null);

        Assert.Equal(Repo.Arches.Abis.Where(a => a.DotNet.Count > 0).Select(a => a.Name), table.Select(a => a.Name));
        Assert.All(table, abi => Assert.Empty(abi.Constants));
    }

    [Fact]
    public void Full_HoldsEveryAbi_WithEachClassConstantAsItsHeadersGiveIt()
    {
        var table = GeneratedTable(new Dictionary<string, string> { ["KexecGenAbiTable"] = "full" });

        Assert.Equal(Repo.Arches.Abis.Select(a => a.Name), table.Select(a => a.Name));
        foreach (var abi in table)
        {
            var scanned = Repo.Scanned(abi.Name).Constants;
            Assert.All(abi.Constants, c => Assert.Equal(scanned.Single(s => s.Name == c.Name).Value, c.Value));
            var errno = scanned.Where(c => c.Name.StartsWith('E') && c.File.Contains("errno", StringComparison.Ordinal)).Select(c => c.Name);
            Assert.Equal(errno.Order(StringComparer.Ordinal), abi.Constants.Where(c => c.Class == "Errno").Select(c => c.Name).Order(StringComparer.Ordinal));
            Assert.Contains(abi.Constants, c => c is { Class: "KexecConstants", Name: "KEXEC_SEGMENT_MAX" });
        }
    }

    [Fact]
    public void AnUnknownValue_IsReported_AndNothingIsGenerated()
    {
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.RepoInputs(), GeneratorHarness.Compilation(),
            new Dictionary<string, string> { ["KexecGenAbiTable"] = "everything" });

        var error = Assert.Single(GeneratorHarness.KexecDiagnostics(driver), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("KXG002", error.Id);
        Assert.Contains("KexecGenAbiTable is 'everything'", error.GetMessage(), StringComparison.Ordinal);
        Assert.Equal("arches.yaml", System.IO.Path.GetFileName(error.Location.GetLineSpan().Path));
        Assert.Null(output.GetTypeByMetadataName("KexecGen.Interop.AbiTable"));
    }

    private sealed record Row(string Name, List<(string Class, string Name, long Value)> Constants);

    // AbiTable.All of the bindings generated with the build's properties, read from the compiled assembly.
    private static List<Row> GeneratedTable(IReadOnlyDictionary<string, string>? properties)
    {
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.RepoInputs(), GeneratorHarness.Compilation(), properties);
        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Severity == DiagnosticSeverity.Error));
        var assembly = GeneratorHarness.Load(output);
        var all = (IEnumerable)assembly.GetType("KexecGen.Interop.AbiTable")!.GetProperty("All")!.GetValue(null)!;
        object Get(object o, string name) => o.GetType().GetProperty(name)!.GetValue(o)!;
        return all.Cast<object>().Select(abi => new Row((string)Get(abi, "Name"),
            ((IEnumerable)Get(abi, "Constants")).Cast<object>().Select(c => ((string)Get(c, "Class"), (string)Get(c, "Name"), (long)Get(c, "Value"))).ToList())).ToList();
    }
}
