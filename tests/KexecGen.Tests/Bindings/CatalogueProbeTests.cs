using System;
using System.IO;
using System.Linq;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The catalogue run: tests/KexecGen.CatalogueProbe, built for one RuntimeIdentifier and published with NativeAOT, makes
/// its calls (uname, sysinfo, prlimit64, statx, clock_gettime) through the generated stubs and structs, sets
/// perf_event_attr's bit-fields through their properties, and prints every record's size; its C twin
/// (Twin/catalogue.c, the kernel's own uapi structs, compiled by the ABI's gcc) prints the same lines. On x86_64 both
/// run natively, on arm64 under qemu-aarch64: the outputs must be equal, field by field. On the 32-bit ABIs, where no
/// .NET runs here, the twin runs under qemu-user and prints the sizes and ioctl numbers the model has for that ABI.
/// </summary>
[Collection(PublishedTools.Name)]
public class CatalogueProbeTests
{
    private const string Project = "tests/KexecGen.CatalogueProbe/KexecGen.CatalogueProbe.csproj";

    // Where no .NET runs (i386, arm here), the C twin runs under qemu-user and must print the sizes and ioctl numbers the
    // generated model has for that ABI, and the same kernel answers as on this machine.
    [Theory]
    [InlineData("i386")]
    [InlineData("arm")]
    public void OnThirtyTwoBitAbis_TheCTwin_PrintsTheModelsSizesAndIoctls(string abi)
    {
        var catalogue = CatalogueBindings.Instance;
        var spec = catalogue.Arches.Abis.Single(a => a.Name == abi);
        var gcc = spec.Gcc!;
        Assert.NotNull(gcc.Run);
        var work = Directory.CreateTempSubdirectory("kexecgen-catalogue-twin-").FullName;
        var (twin, target) = TwinAndTarget(spec, work);

        var (code, stdout, stderr) = ProcessRunner.Run(gcc.Run!, TimeSpan.FromMinutes(2), twin, target);

        Assert.True(code == 0, $"the C twin under {gcc.Run}: exit {code}\n{stdout}\n{stderr}");
        var lines = stdout.TrimEnd('\n').Split('\n').Select(l => (Key: l[..l.LastIndexOf(' ')], Value: l[(l.LastIndexOf(' ') + 1)..])).ToDictionary(l => l.Key, l => l.Value);
        var built = KexecGen.Generator.Model.ModelBuilder.Build(CatalogueTests.Lowerable.Value, catalogue.Scanned.ToList(), KexecGen.Generator.Model.AbiTableScope.Full, layoutAbi: abi);
        var model = built.Model!;
        var scanned = catalogue.Scanned.Single(s => s.Abi == abi);
        foreach (var record in model.Structs.Where(r => !r.Held))
        {
            var size = record.Explicit ? record.Size : scanned.Structs.Single(s => s.Name == record.CName).Size;
            Assert.Equal($"{size}", lines[$"sizeof {record.CName}"]);
        }
        foreach (var name in new[] { "BLKGETSIZE64", "TIOCGWINSZ", "FS_IOC_GETFLAGS", "UFFDIO_API" })
        {
            Assert.Equal("0x" + scanned.Constants.Single(c => c.Name == name).Value.ToString("x", System.Globalization.CultureInfo.InvariantCulture), lines[$"ioctl.{name}"]);
        }
        Assert.Equal("12345", lines["statx.size"]);
        Assert.Equal("Linux", lines["uname.sysname"]);
        Assert.Equal("1", lines["clock.realtime_ok"]);
    }

    [Theory]
    [InlineData("linux-x64", "x86_64", "X64")]
    [InlineData("linux-arm64", "arm64", "Arm64")]
    public void GeneratedStructs_ReadWhatTheKernelWrote_AsTheCTwinDoes(string rid, string abi, string architecture)
    {
        var arches = ArchesParser.Parse(CatalogueBindings.ProbeArchesPath, File.ReadAllText(CatalogueBindings.ProbeArchesPath)).Value!;
        var spec = arches.Abis.Single(a => a.Name == abi);
        var gcc = spec.Gcc!;
        var binary = PublishedTools.Publish(Project, "catalogue-probe", rid, "arm64 needs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, which .ci/run installs");
        var work = Directory.CreateTempSubdirectory("kexecgen-catalogue-run-").FullName;
        var (twin, target) = TwinAndTarget(spec, work);

        (int Code, string Out, string Err) Run(string program) => gcc.Run == "native"
            ? ProcessRunner.Run(program, TimeSpan.FromMinutes(2), target)
            : ProcessRunner.Run(gcc.Run!, TimeSpan.FromMinutes(2), "-L", "/usr/aarch64-linux-gnu", program, target);
        var dotnet = Run(binary);
        var c = Run(twin);

        Assert.True(dotnet.Code == 0, $"the .NET probe: exit {dotnet.Code}\n{dotnet.Out}\n{dotnet.Err}");
        Assert.True(c.Code == 0, $"the C twin: exit {c.Code}\n{c.Out}\n{c.Err}");
        var expected = c.Out.TrimEnd('\n').Split('\n');
        var actual = dotnet.Out.TrimEnd('\n').Split('\n');
        Assert.Equal($"abi {architecture}", actual[^1]);
        Assert.Equal(expected, actual[..^1]);
        Assert.Contains("statx.size 12345", expected);
        Assert.Contains("sizeof perf_event_attr 136", expected);
    }

    // The C twin compiled by the ABI's gcc against the headers the catalogue was scanned from, and a 12345-byte file for its statx.
    private static (string Twin, string Target) TwinAndTarget(AbiSpec spec, string work)
    {
        var gcc = spec.Gcc!;
        var twin = Path.Combine(work, "catalogue-twin");
        var compile = ProcessRunner.Run(gcc.Command, TimeSpan.FromMinutes(2), spec.Flags.Concat(gcc.Flags).Concat(spec.Include.Select(d => "-I" + d))
            .Concat(new[] { "-static", "-O1", "-Wall", "-Werror", "-o", twin, Path.Combine(Repo.Root, "tests", "KexecGen.CatalogueProbe", "Twin", "catalogue.c") }).ToArray());
        Assert.True(compile.Code == 0, $"{gcc.Command} failed (install {gcc.Package} and {gcc.Libc}, as .ci/run does):\n{compile.Err}");
        var target = Path.Combine(work, "statx-target");
        File.WriteAllText(target, new string('x', 12345));
        return (twin, target);
    }
}
