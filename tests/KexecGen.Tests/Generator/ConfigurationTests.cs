using System;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>Bindings beyond kexec, chosen by configuration and carried through the scanner and generator on every ABI.</summary>
public class ConfigurationTests
{
    /// <summary>
    /// struct epoll_event is a __u32 then a __u64: x86_64 packs it (12 bytes), most ABIs align the __u64 (16 bytes).
    /// One AnyCPU C# struct cannot be both: a portable build is refused (KXG018, saying how to build for one ABI), and
    /// a build for one RuntimeIdentifier gets that ABI's layout, as .NET itself lays the emitted struct out.
    /// </summary>
    [Fact]
    public void StructWhoseLayoutDiffersBeyondPointerWidth_IsRefusedPortably_AndLaidOutPerRuntimeIdentifier()
    {
        var dir = ScannedWithStruct("linux/eventpoll.h", "    __poll_t: uint\n", """
                - c: epoll_event
                  name: EpollEvent
                  fields:
                    events: { name: Events }
                    data: { name: Data }

            """);
        ScannedStruct Layout(string abi) =>
            ScannedAbiReader.Read("x", File.ReadAllText(Path.Combine(dir, "headers", abi + ".yaml"))).Value!.Structs.Single(s => s.Name == "epoll_event");
        Assert.NotEqual(Layout("x86_64").Size, Layout("arm64").Size); // the scan sees the difference

        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());

        var refusal = Assert.Single(GeneratorHarness.KexecDiagnostics(driver), d => d.Id == "KXG018");
        Assert.Contains("struct epoll_event is laid out differently", refusal.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("12 bytes on x86_64", refusal.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("RuntimeIdentifier", refusal.GetMessage(), StringComparison.Ordinal);
        Assert.Null(output.GetTypeByMetadataName("KexecGen.Interop.EpollEvent"));

        foreach (var (rid, abi) in new[] { ("linux-x64", "x86_64"), ("linux-arm64", "arm64"), ("linux-musl-arm", "arm") })
        {
            var (built, _, ridDriver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation(),
                new System.Collections.Generic.Dictionary<string, string> { ["RuntimeIdentifier"] = rid });
            Assert.Empty(GeneratorHarness.KexecDiagnostics(ridDriver).Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
            var type = GeneratorHarness.Load(built).GetType("KexecGen.Interop.EpollEvent")!;
            var c = Layout(abi);
            Assert.Equal(c.Size, (int)typeof(System.Runtime.CompilerServices.Unsafe).GetMethod("SizeOf")!.MakeGenericMethod(type).Invoke(null, null)!);
            Assert.Equal(c.Fields.Single(f => f.Name == "data").Offset, (int)System.Runtime.InteropServices.Marshal.OffsetOf(type, "Data"));
        }
    }

    /// <summary>
    /// A build for one RuntimeIdentifier runs on that ABI alone: its stubs and AbiTable hold that ABI's numbers only,
    /// read from its headers; a portable build holds every ABI .NET runs on. The methods are the same either way.
    /// </summary>
    [Theory]
    [InlineData("linux-arm64", "Arm64", "arm64")]
    [InlineData("linux-x64", "X64", "x86_64")]
    [InlineData("linux-musl-arm", "Arm Armv6", "arm")]
    [InlineData("", null, null)]
    public void ABuildForOneRuntimeIdentifier_HoldsThatAbisNumbersOnly(string rid, string? architectures, string? abi)
    {
        var properties = new System.Collections.Generic.Dictionary<string, string> { ["RuntimeIdentifier"] = rid };
        var (built, _, driver) = GeneratorHarness.Run(GeneratorHarness.RepoInputs(), GeneratorHarness.Compilation(), properties);
        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        var syscalls = driver.GetRunResult().GeneratedTrees.Single(t => t.FilePath.EndsWith("Syscalls.g.cs", StringComparison.Ordinal)).ToString();
        var emitted = System.Text.RegularExpressions.Regex.Matches(syscalls, @"Architecture\.(\w+) =>").Select(m => m.Groups[1].Value).ToHashSet();
        var dotnet = Repo.Arches.Abis.SelectMany(a => a.DotNet).ToHashSet();

        var table = GeneratorHarness.Load(built).GetType("KexecGen.Interop.AbiTable")!;
        var all = ((System.Collections.IEnumerable)table.GetProperty("All")!.GetValue(null)!).Cast<object>().Select(a => (string)a.GetType().GetProperty("Name")!.GetValue(a)!).ToList();
        if (architectures is null)
        {
            Assert.Equal(dotnet, emitted);
            Assert.Equal(Repo.Arches.Abis.Where(a => a.DotNet.Count > 0).Select(a => a.Name), all);
            return;
        }
        // Every .NET architecture the RuntimeIdentifier's ABI runs as (arm: Arm and Armv6), and no other.
        Assert.Equal(architectures.Split(' ').ToHashSet(), emitted);
        Assert.Equal(new[] { abi }, all);
        var kexecLoad = Repo.Scanned(abi!).Syscalls.Single(s => s.Name == "kexec_load").Number;
        Assert.All(architectures.Split(' '), a => Assert.Contains($"Architecture.{a} => {kexecLoad},", syscalls, StringComparison.Ordinal));
        // The same methods as a portable build's: a library built per RuntimeIdentifier keeps one API.
        var portable = GeneratorHarness.Run(GeneratorHarness.RepoInputs(), GeneratorHarness.Compilation()).Output;
        string Methods(Microsoft.CodeAnalysis.Compilation c) => string.Join("\n", c.GetTypeByMetadataName("KexecGen.Interop.Syscalls")!.GetMembers()
            .OfType<Microsoft.CodeAnalysis.IMethodSymbol>().Where(m => m.DeclaredAccessibility == Microsoft.CodeAnalysis.Accessibility.Public).Select(m => m.ToDisplayString()).OrderBy(x => x, StringComparer.Ordinal));
        Assert.Equal(Methods(portable), Methods(built));
    }

    /// <summary>
    /// A class's stated type types every constant (EPOLLIN goes into epoll_event's __u32 without a cast), each value
    /// checked to fit on every ABI: MIPS numbers EDQUOT 1133, which no byte holds.
    /// </summary>
    [Fact]
    public void AClassesType_TypesItsConstants_AndAValueThatDoesNotFit_IsRefused()
    {
        const string errno = "    - name: Errno\n      prefix: E\n      defined_in: errno\n";
        var (built, _, driver) = GeneratorHarness.Run(GeneratorHarness.RepoInputs((name, text) => name == "arches.yaml"
            ? text.Replace(errno, errno + "      type: ushort\n", StringComparison.Ordinal) : text), GeneratorHarness.Compilation());
        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver).Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        var einval = GeneratorHarness.Load(built).GetType("KexecGen.Interop.Errno")!.GetField("EINVAL")!;
        Assert.Equal(typeof(ushort), einval.FieldType);
        Assert.Equal((ushort)Repo.Scanned("x86_64").Constants.Single(c => c.Name == "EINVAL").Value, einval.GetValue(null));

        string? broken = null;
        var (_, _, refused) = GeneratorHarness.Run(GeneratorHarness.RepoInputs((name, text) => name == "arches.yaml"
            ? broken = text.Replace(errno, errno + "      type: byte\n", StringComparison.Ordinal) : text), GeneratorHarness.Compilation());
        var misfit = Assert.Single(GeneratorHarness.KexecDiagnostics(refused), d => d.Id == "KXG008" && d.GetMessage().StartsWith("EDQUOT = ", StringComparison.Ordinal));
        Assert.Contains("does not fit the type 'byte'", misfit.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(Repo.LineOf(broken!, "    - name: Errno"), misfit.Location.GetLineSpan().StartLinePosition.Line + 1);
    }

    // A copy of the inputs that also parses 'header', maps 'types' and binds 'structs', scanned for every ABI.
    private static string ScannedWithStruct(string header, string types, string structs)
    {
        var dir = Repo.CopyInputs();
        var arches = Path.Combine(dir, "arches.yaml");
        File.WriteAllText(arches, File.ReadAllText(arches)
            .Replace("    - linux/kexec.h\n", $"    - {header}\n    - linux/kexec.h\n", StringComparison.Ordinal)
            .Replace("    __u32: uint\n", "    __u32: uint\n" + types, StringComparison.Ordinal)
            .Replace("  structs:\n", "  structs:\n" + structs, StringComparison.Ordinal));
        var scan = HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics));
        return dir;
    }

    /// <summary>A struct of another header whose layout agrees on every .NET ABI is generated.</summary>
    [Fact]
    public void StructWithTheSameLayoutOnEveryDotnetAbi_IsGenerated()
    {
        // struct timezone from linux/time.h: two ints everywhere. (__kernel_timespec, two __s64, is refused: i386
        // aligns them to 4, and .NET's alignment there is not something this machine can check.)
        var dir = ScannedWithStruct("linux/time.h", "", """
                - c: timezone
                  name: TimeZoneOffset
                  fields:
                    tz_minuteswest: { name: MinutesWest }
                    tz_dsttime: { name: DaylightSavingTime }

            """);

        var (output, _, driver) = GeneratorHarness.Run(GeneratorHarness.InputsFrom(dir), GeneratorHarness.Compilation());

        Assert.Empty(GeneratorHarness.KexecDiagnostics(driver));
        Assert.Empty(GeneratorHarness.Problems(output));
        Assert.NotNull(output.GetTypeByMetadataName("KexecGen.Interop.TimeZoneOffset"));
    }
}
