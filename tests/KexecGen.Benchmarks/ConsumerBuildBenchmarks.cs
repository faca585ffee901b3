using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace KexecGen.Benchmarks;

/// <summary>
/// What the package costs a consumer: an incremental `dotnet build` of a one-file console app after a one-line edit,
/// with KexecGen.Generator (its default bindings) and without it, side by side. The packages come from
/// <c>KEXECGEN_FEED</c> when set, else from <c>.ci/pack</c> of this tree into a temporary feed.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 20, invocationCount: 1)]
public class ConsumerBuildBenchmarks
{
    private string _plain = "";
    private string _withPackage = "";
    private int _edits;

    [GlobalSetup]
    public void Setup()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "arches.yaml"))) root = Path.GetDirectoryName(root.TrimEnd('/'))!;
        var work = Path.Combine(Path.GetTempPath(), "kexecgen-consumer-build-" + Guid.NewGuid().ToString("N"));
        var feed = Environment.GetEnvironmentVariable("KEXECGEN_FEED");
        if (string.IsNullOrEmpty(feed))
        {
            feed = Path.Combine(work, "feed");
            Run(root, Path.Combine(root, ".ci", "pack"), feed);
        }
        _plain = App(work, "plain", feed, withPackage: false);
        _withPackage = App(work, "with-package", feed, withPackage: true);
        EditAndBuild(_plain);
        EditAndBuild(_withPackage);
    }

    [Benchmark(Baseline = true, Description = "console app, one-line edit, without the package")]
    public void WithoutPackage() => EditAndBuild(_plain);

    [Benchmark(Description = "the same app with KexecGen.Generator (default bindings)")]
    public void WithPackage() => EditAndBuild(_withPackage);

    private void EditAndBuild(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "Program.cs"), $"System.Console.WriteLine(\"edit {++_edits}\");\n");
        Run(dir, "dotnet", "build", "--no-restore", "-nologo", "-v", "q");
    }

    // The same app twice; only the package reference differs. Each has its own package folder, so that no other
    // build's copy of KexecGen.Generator 0.1.0 stands in for the feed's.
    private static string App(string work, string name, string feed, bool withPackage)
    {
        var dir = Path.Combine(work, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <config><add key="globalPackagesFolder" value="{Path.Combine(dir, "packages")}" /></config>
              <fallbackPackageFolders>
                <add key="shared" value="{Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
              </PropertyGroup>
              {(withPackage ? "<ItemGroup><PackageReference Include=\"KexecGen.Generator\" Version=\"0.1.0\" /></ItemGroup>" : "")}
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), "System.Console.WriteLine(\"first\");\n");
        Run(dir, "dotnet", "restore", "-nologo", "-v", "q");
        return dir;
    }

    private static void Run(string dir, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} in {dir} failed:\n{stdout.Result}\n{stderr.Result}");
    }
}
