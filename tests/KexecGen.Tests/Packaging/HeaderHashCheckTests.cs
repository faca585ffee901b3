using System;
using System.IO;
using System.Linq;
using KexecGen.Config;
using KexecGen.Scanner;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The build's check that the headers a scan read are still the same (KXG012), as the package's compiled task.</summary>
public class HeaderHashCheckTests
{
    [Fact]
    public void ChangedHeader_WarnsKXG012_AtItsLineInTheHeadersFile()
    {
        var dir = CheckProject();
        var scanned = Path.Combine(dir, "headers", "x86_64.yaml");
        var lines = File.ReadAllLines(scanned);
        int index = Array.FindIndex(lines, l => l.Contains("path: \"linux/kexec.h\"", StringComparison.Ordinal));
        lines[index] = System.Text.RegularExpressions.Regex.Replace(lines[index], "sha256: [0-9a-f]+", "sha256: " + new string('0', 64));
        File.WriteAllLines(scanned, lines);

        var output = Build(dir);

        var warning = Assert.Single(Kxg012(output));
        Assert.Contains($"{scanned}({index + 1},5)", warning, StringComparison.Ordinal);
        Assert.Contains("linux/kexec.h changed since it was scanned", warning, StringComparison.Ordinal);
        Assert.Contains("re-scan", warning, StringComparison.Ordinal);
    }

    // A build after one that found every header unchanged skips the check; a changed kernel header runs it again.
    [Fact]
    public void Check_RunsAgainOnlyWhenAHeaderOrAHeadersFileChanged()
    {
        var dir = CheckProject();
        var scanned = Path.Combine(dir, "headers", "x86_64.yaml");
        var include = Repo.Scanned("x86_64").Include.Single();
        var copy = Path.Combine(dir, "uapi-copy");
        foreach (var file in Directory.GetFiles(include, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(include, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.WriteAllText(scanned, File.ReadAllText(scanned).Replace($"include: [\"{include}\"]", $"include: [\"{copy}\"]", StringComparison.Ordinal));
        const string skipped = "Skipping target \"KexecGenCheckHeaderHashes\" because all output files are up-to-date";

        var first = Build(dir);
        var second = Build(dir);
        File.AppendAllText(Path.Combine(copy, "linux", "kexec.h"), "\n");
        var third = Build(dir);

        Assert.Empty(Kxg012(first));
        Assert.DoesNotContain(skipped, first, StringComparison.Ordinal);
        Assert.Contains(skipped, second, StringComparison.Ordinal);
        Assert.DoesNotContain(skipped, third, StringComparison.Ordinal);
        Assert.Contains("linux/kexec.h changed since it was scanned", Assert.Single(Kxg012(third)), StringComparison.Ordinal);
    }

    // A project that reads a copy of the repository's inputs and imports the package's targets, with the task built here.
    private static string CheckProject()
    {
        var dir = Repo.CopyInputs();
        File.WriteAllText(Path.Combine(dir, "Check.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <KexecGenTasksAssembly>{Path.Combine(AppContext.BaseDirectory, "KexecGen.Tasks.dll")}</KexecGenTasksAssembly>
              </PropertyGroup>
              <ItemGroup><AdditionalFiles Include="arches.yaml;headers/*.yaml" /></ItemGroup>
              <Import Project="{Path.Combine(Repo.Root, "generator", "KexecGen.Generator", "buildTransitive", "KexecGen.Generator.targets")}" />
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Empty.cs"), "internal static class Empty { }\n");
        return dir;
    }

    private static string Build(string dir)
    {
        var (code, stdout, stderr) = ProcessRunner.RunIn(dir, "dotnet", TimeSpan.FromMinutes(3), "build", "-nodeReuse:false", "-v:d");
        Assert.True(code == 0, stdout + stderr);
        return stdout;
    }

    private static System.Collections.Generic.List<string> Kxg012(string output) =>
        output.Split('\n').Where(l => l.Contains("warning KXG012", StringComparison.Ordinal)).Select(l => System.Text.RegularExpressions.Regex.Replace(l.Trim(), @"^\d+(:\d+)?>", "")).Distinct().ToList(); // -v:d prefixes the node
}
