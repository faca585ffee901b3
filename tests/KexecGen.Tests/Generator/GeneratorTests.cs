using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Generator;
using KexecGen.Generator.Emit;
using KexecGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The generator on the real inputs and on broken copies, run with .NET's LibraryImport generator.</summary>
public class GeneratorTests
{
    private const string Consumer = """
        using KexecGen.Interop;
        internal static class Use
        {
            public static unsafe nint Load(KexecSegment* segments) =>
                Syscalls.KexecLoad(0x100000, 1, segments, KexecLoadFlags.OnCrash | (KexecLoadFlags)KexecArch.X86_64);
            public static int Max => KexecConstants.KEXEC_SEGMENT_MAX;
        }
        """;

    // A member is a compile-time constant exactly where every ABI .NET runs as has one value for it (ABIs without a
    // .NET runtime, such as MIPS with its own errno numbers, do not count), and NameOf has one table per numbering.
    [Fact]
    public void ClassMembers_AreConstants_ExactlyWhereEveryDotNetAbiAgrees()
    {
        var spec = Repo.Arches;
        var model = ModelBuilder.Build(spec, spec.Abis.Select(a => Repo.Scanned(a.Name)).ToList()).Model!;
        var dotnet = spec.Abis.Where(a => a.DotNet.Count > 0).Select(a => (a, Repo.Scanned(a.Name))).ToList();
        var errno = model.Classes.Single(c => c.Name == "Errno");
        long? On(ScannedAbi scanned, string name) => scanned.Constants.FirstOrDefault(k => k.Name == name)?.Value;

        foreach (var member in errno.Members)
        {
            var values = dotnet.Select(d => On(d.Item2, member.Name)).Distinct().ToList();
            bool agree = values.Count == 1 && values[0] is not null;
            Assert.True(agree == (member.Common is not null), $"{member.Name}: values {string.Join(", ", values)} on the .NET ABIs, common {member.Common}");
            if (agree) Assert.Equal(values[0], member.Common);
        }
        // Both kinds occur in the real headers, and a member can be constant though a non-.NET ABI differs.
        Assert.Contains(errno.Members, m => m.Common is null);
        Assert.Contains(errno.Members, m => m.Common is not null && spec.Abis.Select(a => On(Repo.Scanned(a.Name), m.Name)).Distinct().Count() > 1);

        var numberings = dotnet.SelectMany(d => d.a.DotNet.Select(arch => (arch, Names: string.Join(",", errno.Members
            .Select(m => (m.Name, Value: On(d.Item2, m.Name))).Where(p => p.Value is not null).OrderBy(p => p.Name, StringComparer.Ordinal)
            .GroupBy(p => p.Value).Select(g => g.Key + "=" + g.First().Name).OrderBy(x => x, StringComparer.Ordinal))))).ToList();
        Assert.Equal(numberings.Select(n => n.Names).Distinct().Count(), Math.Max(1, errno.NamesByArch.Count));
        Assert.Equal(numberings.Select(n => n.arch).OrderBy(x => x, StringComparer.Ordinal), errno.NamesByArch.SelectMany(t => t.DotNets).OrderBy(x => x, StringComparer.Ordinal));
    }

    [Fact]
    public void RealInputs_CompileWithZeroWarnings_AndLibraryImportImplementsTheStubs()
    {
        var (output, generatorDiagnostics, driver) = GeneratorHarness.Run(GeneratorHarness.RepoInputs(), GeneratorHarness.Compilation(Consumer));

        Assert.Empty(generatorDiagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
        var trees = driver.GetRunResult().GeneratedTrees;
        Assert.Contains(trees, t => t.FilePath.EndsWith("KexecGen.Syscalls.g.cs", StringComparison.Ordinal));
        // .NET's generator saw our [LibraryImport]s: it wrote their bodies (without it they would be CS8795 errors).
        var interop = trees.Single(t => t.FilePath.Contains("LibraryImportGenerator", StringComparison.Ordinal)).ToString();
        Assert.Contains("partial nint Syscall4(", interop, StringComparison.Ordinal);
        Assert.Contains("partial nint Syscall5(", interop, StringComparison.Ordinal);
        Assert.Contains("SetLastPInvokeError", interop, StringComparison.Ordinal);
    }

    [Fact]
    public void UserLibraryImport_TakingGeneratedEnums_CompilesWithZeroWarnings()
    {
        const string userCode = """
            using System.Runtime.InteropServices;
            using KexecGen.Interop;
            internal static partial class MyCalls
            {
                [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
                public static partial nint Reboot(nint number, RebootMagic magic1, RebootMagic magic2, RebootCommand cmd, nint arg);
            }
            """;
        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.RepoInputs(), GeneratorHarness.Compilation(userCode));

        Assert.Empty(GeneratorHarness.Problems(output));
        var interop = driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.Contains("LibraryImportGenerator", StringComparison.Ordinal)).ToString();
        Assert.Contains("MyCalls", interop, StringComparison.Ordinal);
    }

    [Fact]
    public void UnrelatedEdit_LeavesEveryStepCachedOrUnchanged()
    {
        var compilation = GeneratorHarness.Compilation(Consumer);
        var driver = GeneratorHarness.Driver(GeneratorHarness.RepoInputs()).RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("public class Unrelated { }", GeneratorHarness.ParseOptions));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(KexecGenerator));

        var tracked = StepNames.All.Where(result.TrackedSteps.ContainsKey).ToList();
        Assert.Equal(StepNames.All.OrderBy(s => s), tracked.OrderBy(s => s));
        foreach (var step in tracked)
        {
            foreach (var run in result.TrackedSteps[step])
            {
                foreach (var (_, reason) in run.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step} was {reason}");
                }
            }
        }
    }

    // The headers step reads the structs' fields of the ABIs the table holds (the ABIs .NET runs on by default, every
    // ABI for a full table) and of those a struct bound to some ABIs names (boot_params: the x86 ABIs), and of no
    // other; the output is what a whole read of every file gives.
    [Theory]
    [InlineData("", "linux-x64")]
    [InlineData("", "linux-arm64")]
    [InlineData("full", "")]
    public void HeadersStep_ReadsFields_OfTheAbisTheBuildLaysOutOrTables_Only(string scope, string runtimeIdentifier)
    {
        var properties = new Dictionary<string, string> { [KexecGenerator.AbiTableProperty] = scope, ["RuntimeIdentifier"] = runtimeIdentifier };
        var driver = GeneratorHarness.Driver(GeneratorHarness.RepoInputs(), properties).RunGenerators(GeneratorHarness.Compilation(Consumer));
        var result = driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(KexecGenerator));

        var read = result.TrackedSteps[StepNames.Headers].SelectMany(r => r.Outputs).Select(o => ((Parsed<ScannedAbi>)o.Value).Value!).ToList();
        var expected = Repo.Arches.Abis.Where(a => scope == "full" || a.DotNet.Count > 0 || Repo.Arches.Bindings.Structs.Any(s => s.Abis.Contains(a.Name)))
            .Select(a => a.Name).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(Repo.Arches.Abis.Count, read.Count);
        Assert.Equal(expected, read.Where(a => a.FieldsRead).Select(a => a.Abi).OrderBy(n => n, StringComparer.Ordinal));
        Assert.All(read.Where(a => !a.FieldsRead), a => Assert.All(a.Structs, st => Assert.Empty(st.Fields)));
        Assert.Contains(read, a => a.FieldsRead && a.Structs.Any(st => st.Fields.Count > 0));
        if (scope == "")
        {
            Assert.Contains(read, a => !a.FieldsRead && a.Structs.Count > 0);
            Assert.Contains(read, a => a.FieldsRead && a.Abi == "x32"); // no .NET, but boot_params is laid out as the x86 ABIs have it
        }
        Assert.Empty(result.Diagnostics.Where(d => !GeneratorHarness.ProjectNoWarn.Contains(d.Id)));
        var wholeRead = Emitter.Render(ModelBuilder.Build(Repo.Arches, Repo.Arches.Abis.Select(a => Repo.Scanned(a.Name)).ToList(),
            scope == "full" ? AbiTableScope.Full : AbiTableScope.DotNet, runtimeIdentifier).Model!);
        var generated = result.GeneratedSources.Where(s => s.HintName.StartsWith("KexecGen.", StringComparison.Ordinal)).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Equal(wholeRead.Count, generated.Count);
        foreach (var file in wholeRead) Assert.Equal(file.Text, generated[file.HintName]);
    }

    [Fact]
    public void EditingArches_ModifiesTheModel_SoTheCachingTestCanFail()
    {
        var compilation = GeneratorHarness.Compilation(Consumer);
        var inputs = GeneratorHarness.RepoInputs();
        var driver = GeneratorHarness.Driver(inputs).RunGenerators(compilation);
        var original = inputs[0];
        var changed = new MemoryAdditionalText(original.Path, original.GetText()!.ToString().Replace("Loads a new kernel from segments", "Loads a kernel from segments", StringComparison.Ordinal));
        driver = driver.ReplaceAdditionalText(original, changed).RunGenerators(compilation);
        var steps = driver.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(KexecGenerator)).TrackedSteps;

        Assert.Contains(steps[StepNames.Model].SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.All(steps[StepNames.Headers].SelectMany(r => r.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    // Single diagnostics at their places are the malformed-input catalogue's (MalformedInputTests); these two check more
    // than a place: that an error stops the bindings, and a headers file that is missing altogether.
    [Fact]
    public void WrongSyscallNumber_GivesKXG004_AtTheNumber_AndEmitsNoBindings()
    {
        // A number written in arches.yaml as a cross-check: x86_64's kexec_load, one more than its headers say.
        const string triple = "    triple: x86_64-linux-gnu\n", stated = triple + "    syscalls: { kexec_load: 247 }\n";
        var (output, _, driver) = GeneratorHarness.Run(
            GeneratorHarness.RepoInputs((name, text) => name == "arches.yaml" ? text.Replace(triple, stated, StringComparison.Ordinal) : text),
            GeneratorHarness.Compilation());
        var line = Repo.LineOf(Repo.ArchesText, triple.TrimEnd('\n')) + 1;

        var d = Assert.Single(GeneratorHarness.KexecDiagnostics(driver), x => x.Id == "KXG004");
        Assert.Equal(line, d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("247", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("246", d.GetMessage(), StringComparison.Ordinal);
        Assert.Null(output.GetTypeByMetadataName("KexecGen.Interop.Syscalls"));
    }

    [Fact]
    public void MissingHeadersFile_GivesKXG003()
    {
        var inputs = GeneratorHarness.RepoInputs().Where(t => !t.Path.EndsWith("arm64.yaml", StringComparison.Ordinal)).ToImmutableArray();
        var (_, _, driver) = GeneratorHarness.Run(inputs, GeneratorHarness.Compilation());

        Assert.Contains(GeneratorHarness.KexecDiagnostics(driver), d => d.Id == "KXG003" && d.GetMessage().Contains("arm64", StringComparison.Ordinal));
    }

    [Fact]
    public void Generation_IsDeterministic_WhateverTheOrderOfTheInputs()
    {
        // A build may hand the AdditionalFiles over in any order: the output must not depend on it.
        string Render(IEnumerable<AdditionalText> inputs) => string.Join("\n", GeneratorHarness.Driver(inputs.ToImmutableArray()).RunGenerators(GeneratorHarness.Compilation())
            .GetRunResult().GeneratedTrees.Select(t => t.FilePath + "\n" + t));
        var inputs = GeneratorHarness.RepoInputs();
        var first = Render(inputs);

        Assert.Equal(first, Render(inputs));
        Assert.Equal(first, Render(inputs.Reverse()));
        var random = new Random(20261126);
        for (int i = 0; i < 3; i++) Assert.Equal(first, Render(inputs.OrderBy(_ => random.Next())));
    }

    [Fact]
    public void Model_HoldsNoRoslynObjects()
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>();
        pending.Push(typeof(ModelResult));
        while (pending.Count > 0)
        {
            var type = pending.Pop();
            if (!seen.Add(type)) continue;
            Assert.False(type.Assembly == typeof(Compilation).Assembly || type.Assembly == typeof(CSharpCompilation).Assembly, $"{type} is a Roslyn type");
            foreach (var inner in type.GetProperties().Select(p => p.PropertyType).Concat(type.IsGenericType ? type.GetGenericArguments() : Type.EmptyTypes))
            {
                var t = Nullable.GetUnderlyingType(inner) ?? inner;
                if (t.Namespace?.StartsWith("KexecGen", StringComparison.Ordinal) == true || t.IsGenericType) pending.Push(t);
            }
        }
        Assert.Contains(typeof(StructModel), seen);
    }
}
