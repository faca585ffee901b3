using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The kexec tool, run as a process the way users run it.</summary>
public class CliTests
{
    internal static (int Code, string Out, string Err) Kexec(params string[] args) =>
        ProcessRunner.Run("dotnet", TimeSpan.FromMinutes(1), new[] { Path.Combine(AppContext.BaseDirectory, "kexec.dll") }.Concat(args).ToArray());

    [Fact]
    public void TableJson_ListsEveryAbi_WithTheNumbersAndLayoutOfItsHeaders()
    {
        var (code, stdout, _) = Kexec("table", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var abis = doc.RootElement.GetProperty("abis").EnumerateArray().ToList();

        Assert.Equal(Repo.Arches.Abis.Select(a => a.Name), abis.Select(a => a.GetProperty("name").GetString()));
        foreach (var abi in abis)
        {
            var scanned = Repo.Scanned(abi.GetProperty("name").GetString()!);
            foreach (var call in scanned.Syscalls.Where(s => Repo.Arches.Bindings.Syscalls.Any(b => b.Name == s.Name)))
            {
                // A row the kernel fills with sys_ni_syscall (xtensa's kexec_load) is numbered but runs nothing: the
                // stub calls no number there, and the table says so.
                bool runsNothing = scanned.Prototypes.FirstOrDefault(p => p.Name == call.Name)?.Entry == "sys_ni_syscall";
                var value = abi.GetProperty("syscalls").GetProperty(call.Name);
                Assert.Equal(runsNothing ? null : call.Number, value.ValueKind == JsonValueKind.Null ? null : value.GetInt64());
            }
            var layout = scanned.Structs.Single(s => s.Name == "kexec_segment");
            var segment = abi.GetProperty("kexec_segment");
            Assert.Equal(layout.Size, segment.GetProperty("size").GetInt32());
            Assert.Equal(layout.Align, segment.GetProperty("align").GetInt32());
            Assert.All(layout.Fields, f => Assert.Equal(f.Offset, segment.GetProperty("offsets").GetProperty(f.Name).GetInt32()));
        }
    }

    // Users compare errno numbers with other libraries: each ABI's, as its headers give them (ENOSYS is 38, 89 on MIPS…).
    [Fact]
    public void TableJson_HasEachAbisErrnoNumbers_AsItsHeadersGiveThem()
    {
        var (code, stdout, _) = Kexec("table", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);

        var enosys = new System.Collections.Generic.HashSet<long>();
        foreach (var abi in doc.RootElement.GetProperty("abis").EnumerateArray())
        {
            var scanned = Repo.Scanned(abi.GetProperty("name").GetString()!);
            var errno = abi.GetProperty("Errno").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
            var expected = scanned.Constants.Where(c => c.Name.StartsWith('E') && c.File.Contains("errno", StringComparison.Ordinal)).ToDictionary(c => c.Name, c => c.Value);
            Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), errno.OrderBy(p => p.Key, StringComparer.Ordinal));
            enosys.Add(errno["ENOSYS"]);
        }
        Assert.True(enosys.Count > 1, "ENOSYS has one number everywhere: the table would not show the ABIs' own numbering");
    }

    [Fact]
    public void Table_NamesOneKernel_TheOneEveryAbiWasScannedFrom_AndArchesYamlPins()
    {
        var kernels = Repo.Arches.Abis.Select(a => Repo.Scanned(a.Name).Kernel).Distinct().ToList();
        var kernel = Assert.Single(kernels);
        Assert.True(Repo.Arches.Kernel.Describes(kernel), $"headers/ say Linux {kernel}, arches.yaml pins {Repo.Arches.Kernel.Package}");

        var (code, stdout, _) = Kexec("table", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(kernel, doc.RootElement.GetProperty("kernel").GetString());
        Assert.All(doc.RootElement.GetProperty("abis").EnumerateArray(), abi => Assert.False(abi.TryGetProperty("kernel", out _)));

        var (textCode, text, _) = Kexec("table");
        Assert.Equal(0, textCode);
        Assert.Contains($"Linux {kernel}", text.Split('\n')[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x86_64", 246, 320)]
    [InlineData("arm64", 104, 294)]
    public void TableJson_HasTheKernelsNumbers(string abi, int kexecLoad, int kexecFileLoad)
    {
        var (code, stdout, _) = Kexec("table", "--json", "--abi", abi);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var only = Assert.Single(doc.RootElement.GetProperty("abis").EnumerateArray().ToList());

        Assert.Equal(abi, only.GetProperty("name").GetString());
        Assert.Equal(kexecLoad, only.GetProperty("syscalls").GetProperty("kexec_load").GetInt32());
        Assert.Equal(kexecFileLoad, only.GetProperty("syscalls").GetProperty("kexec_file_load").GetInt32());
    }

    [Fact]
    public void Table_PrintsARowPerAbi()
    {
        var (code, stdout, _) = Kexec("table");

        Assert.Equal(0, code);
        foreach (var abi in Repo.Arches.Abis)
        {
            Assert.Contains(stdout.Split('\n'), line => line.StartsWith(abi.Name + " ", StringComparison.Ordinal) && line.Contains(abi.Triple, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TableJson_HasTheRebootMagic_AsTheHeadersSayIt()
    {
        var (code, stdout, _) = Kexec("table", "--json");

        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var magic = doc.RootElement.GetProperty("constants").GetProperty("RebootMagic");
        var scanned = Repo.Scanned("x86_64").Constants.Single(c => c.Name == "LINUX_REBOOT_MAGIC1").Value;
        Assert.Equal(scanned, magic.GetProperty("Magic1").GetInt64());
    }

    [Theory]
    [InlineData("table", "--help")]
    [InlineData("table", "-h")]
    [InlineData("probe", "--help")]
    [InlineData("probe", "-h")]
    public void SubcommandHelp_PrintsItsUsage_AndExitsZero(string command, string flag)
    {
        var (code, stdout, stderr) = Kexec(command, flag);

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains($" {command} [options]", stdout, StringComparison.Ordinal); // its own usage line
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_ListsTheOptionsAndCommands_AndExitsZero(string flag)
    {
        var (code, stdout, stderr) = Kexec(flag);

        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        foreach (var expected in new[] { "-l, --load", "--append=STRING, --command-line=STRING", "--initrd=FILE, --ramdisk=FILE", "table", "probe", "-v, --version" })
        {
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void UnknownAbi_FailsWithOneClearLine()
    {
        var (code, stdout, stderr) = Kexec("table", "--abi", "vax");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("kexec: no ABI named vax", stderr, StringComparison.Ordinal);
    }
}
