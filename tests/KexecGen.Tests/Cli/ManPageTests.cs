using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests;

/// <summary>kexec(8): well-formed, beside the tool, and in step with the options the tool takes.</summary>
public class ManPageTests
{
    private static readonly string Page = Path.Combine(Repo.Root, "docs", "kexec.8");

    [Fact]
    public void ManPage_FormatsWithoutAWarning()
    {
        var (code, _, stderr) = ProcessRunner.Run("groff", TimeSpan.FromMinutes(1), "-man", "-Tascii", "-ww", "-z", Page);

        Assert.True(code == 0 && stderr.Length == 0, stderr);
    }

    [Fact]
    public void ManPage_DocumentsEveryLongOption_OfTheToolsHelp_AndNoOther()
    {
        var (code, rendered, stderr) = ProcessRunner.Run("groff", TimeSpan.FromMinutes(1), "-man", "-Tascii", "-rHY=0", "-rLL=400n", "-P", "-cbou", Page);
        Assert.True(code == 0, stderr);
        var help = string.Concat(new[] { new[] { "--help" }, new[] { "table", "--help" }, new[] { "probe", "--help" } }.Select(args =>
        {
            var (helpCode, text, _) = CliTests.Kexec(args);
            Assert.Equal(0, helpCode);
            return text;
        }));

        Assert.Equal(LongOptions(help), LongOptions(rendered));
    }

    [Fact]
    public void Version_IsPrinted_AndExitsZero()
    {
        var (code, stdout, _) = CliTests.Kexec("--version");

        Assert.Equal(0, code);
        Assert.Matches(@"^KexecGen 0\.1\.0 ", stdout);
    }

    [Fact]
    public void ManPage_IsBesideTheTool()
    {
        Assert.Equal(File.ReadAllText(Page), File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "kexec.8")));
    }

    private static string[] LongOptions(string text) =>
        Regex.Matches(text, @"(?<![\w-])--[a-z][a-z-]*[a-z]").Select(m => m.Value).Distinct().Order(StringComparer.Ordinal).ToArray();
}
