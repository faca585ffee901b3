using System;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The build's check that the headers a scan read are still the same (KXG012).</summary>
public class HeaderHashCheckTests
{
    [Fact]
    public void ChangedHeader_WarnsKXG012_AtItsLineInTheHeadersFile()
    {
        var dir = Repo.CopyInputs();
        var scanned = Path.Combine(dir, "headers", "x86_64.yaml");
        var lines = File.ReadAllLines(scanned);
        int index = Array.FindIndex(lines, l => l.Contains("path: \"linux/kexec.h\"", StringComparison.Ordinal));
        lines[index] = System.Text.RegularExpressions.Regex.Replace(lines[index], "sha256: [0-9a-f]+", "sha256: " + new string('0', 64));
        File.WriteAllLines(scanned, lines);
        File.WriteAllText(Path.Combine(dir, "Check.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net{Environment.Version.Major}.0</TargetFramework></PropertyGroup>
              <ItemGroup><AdditionalFiles Include="arches.yaml;headers/*.yaml" /></ItemGroup>
              <Import Project="{Path.Combine(Repo.Root, "generator", "KexecGen.Generator", "buildTransitive", "KexecGen.Generator.targets")}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Empty.cs"), "internal static class Empty { }\n");

        var (code, stdout, stderr) = ProcessRunner.RunIn(dir, "dotnet", TimeSpan.FromMinutes(3), "build", "-nodeReuse:false");

        Assert.True(code == 0, stdout + stderr);
        var warnings = stdout.Split('\n').Where(l => l.Contains("warning KXG012", StringComparison.Ordinal)).Distinct().ToList();
        var warning = Assert.Single(warnings);
        Assert.Contains($"{scanned}({index + 1},5)", warning, StringComparison.Ordinal);
        Assert.Contains("linux/kexec.h changed since it was scanned", warning, StringComparison.Ordinal);
    }
}
