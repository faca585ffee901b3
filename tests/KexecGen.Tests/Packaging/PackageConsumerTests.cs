using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using KexecGen.Scanner;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests;

/// <summary>
/// A sample consumer restored from the packed packages (a fresh packages folder for ours, so nothing stale), built and
/// run: with the default kexec set, with its own configuration, with an older compiler, and published with NativeAOT.
/// </summary>
[Collection(PublishedTools.Name)]
public class PackageConsumerTests(PackedFeed packed, ITestOutputHelper log) : IClassFixture<PackedFeed>
{
    private const string DefaultProgram = """
        using System;
        using System.Runtime.InteropServices;
        using KexecGen.Interop;

        [assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]

        unsafe
        {
            // errno is read at once: formatting may make P/Invokes of its own.
            nint result = Syscalls.KexecFileLoad(-1, -1, 0, null, KexecFileLoadFlags.NoInitramfs);
            int errno = Marshal.GetLastPInvokeError();
            Console.WriteLine($"generated: syscall {SyscallNumbers.KexecFileLoad} -> {result} {Errno.NameOf(errno)}");
            Console.WriteLine($"bindings assembly: {typeof(Syscalls).Assembly.GetName().Name}");
        #if OWN_LIBRARY_IMPORT
            result = MyCalls.KexecFileLoad(SyscallNumbers.KexecFileLoad, -1, -1, 0, null, KexecFileLoadFlags.NoInitramfs);
            errno = Marshal.GetLastPInvokeError();
            Console.WriteLine($"own: {result} {Errno.NameOf(errno)}");
        #endif
        }

        #if OWN_LIBRARY_IMPORT
        static unsafe partial class MyCalls
        {
            [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
            public static partial nint KexecFileLoad(nint number, int kernelFd, int initrdFd, nuint cmdlineLength, byte* cmdline, KexecFileLoadFlags flags);
        }
        #endif
        """;

    private static long RunningKexecFileLoad => Repo.Scanned(Repo.Arches.Abis.Single(a => a.RunsAs(RuntimeInformation.ProcessArchitecture.ToString())).Name)
        .Syscalls.Single(s => s.Name == "kexec_file_load").Number!.Value;

    // Help that works offline: the diagnostics' documentation in the generator package, the manual page beside the
    // tool in each of its packages; and no web address anyone invented in the metadata.
    [Fact]
    public void Packages_CarryTheirDocs_AndNoInventedUrl()
    {
        using (var generator = System.IO.Compression.ZipFile.OpenRead(Directory.GetFiles(packed.Feed, "KexecGen.Generator.*.nupkg").Single()))
        {
            using var reader = new StreamReader(generator.GetEntry("docs/diagnostics.md")!.Open());
            Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "docs", "diagnostics.md")), reader.ReadToEnd());
            Assert.NotNull(generator.GetEntry("tasks/netstandard2.0/KexecGen.Tasks.dll"));
            Assert.NotNull(generator.GetEntry("buildTransitive/kexec/lib/KexecGen.Interop.dll"));
        }
        var toolPackages = Directory.GetFiles(packed.Feed, "KexecGen.Tool.linux-*.nupkg");
        Assert.Equal(2, toolPackages.Length);
        foreach (var path in toolPackages)
        {
            using var tool = System.IO.Compression.ZipFile.OpenRead(path);
            var binary = tool.Entries.Single(e => e.Name == "kexec");
            Assert.Contains(tool.Entries, e => e.Name == "kexec.8" && Path.GetDirectoryName(e.FullName) == Path.GetDirectoryName(binary.FullName));
        }
        foreach (var path in Directory.GetFiles(packed.Feed, "*.nupkg"))
        {
            using var package = System.IO.Compression.ZipFile.OpenRead(path);
            using var nuspec = new StreamReader(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var metadata = nuspec.ReadToEnd();
            // The packages are made from a local clone: no web address can come from its remote, and none is typed in
            // (NuGet's own link to the license text is the only one).
            Assert.All(System.Text.RegularExpressions.Regex.Matches(metadata, @"https://[^<""\s]+").Select(m => m.Value),
                url => Assert.StartsWith("https://licenses.nuget.org/", url, StringComparison.Ordinal));
            Assert.DoesNotContain("<projectUrl>", metadata, StringComparison.Ordinal);
        }
    }

    // By default the set comes compiled (the consumer's build generates and compiles none of it); as source, the
    // generator writes it into the project. Either way a user [LibraryImport] of a generated enum works.
    [Theory]
    [InlineData("", "KexecGen.Interop")]
    [InlineData("<KexecGenDefaultBindings>source</KexecGenDefaultBindings>", "Consumer")]
    public void DefaultBindings_WithAUserLibraryImportOfAGeneratedEnum_AndNoRuntimeMarshalling(string properties, string bindingsAssembly)
    {
        var dir = Consumer(properties + "<DefineConstants>$(DefineConstants);OWN_LIBRARY_IMPORT</DefineConstants>", DefaultProgram);

        var output = Run(dir, "run", "-c", "Release");

        Assert.Contains($"generated: syscall {RunningKexecFileLoad} -> -1 ENOSYS", output, StringComparison.Ordinal);
        Assert.Contains("own: -1 ENOSYS", output, StringComparison.Ordinal);
        Assert.Contains($"bindings assembly: {bindingsAssembly}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultBindings_PublishedWithNativeAot()
    {
        var dir = Consumer("<DefineConstants>$(DefineConstants);OWN_LIBRARY_IMPORT</DefineConstants><PublishAot>true</PublishAot>", DefaultProgram);
        Run(dir, "publish", "-c", "Release", "-r", "linux-x64", "-o", Path.Combine(dir, "aot"));

        var (code, stdout, stderr) = ProcessRunner.Run(Path.Combine(dir, "aot", "Consumer"), TimeSpan.FromMinutes(1));

        Assert.True(code == 0, stderr);
        Assert.Contains($"generated: syscall {RunningKexecFileLoad} -> -1 ENOSYS", stdout, StringComparison.Ordinal);
        Assert.Contains("own: -1 ENOSYS", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void OlderCompiler_TakesTheFallbackBuild_WhoseStubsCarryTheirOwnMarshalling()
    {
        // Roslyn 4.14 has no pre-compilation output: no generator sees our source, so a user [LibraryImport] of a
        // generated type cannot work there (documented); the generated stubs must, without .NET's generator.
        var dir = Consumer("""
            <KexecGenDefaultBindings>source</KexecGenDefaultBindings>
            <RoslynCompilerType>Custom</RoslynCompilerType>
            </PropertyGroup>
            <ItemGroup>
              <PackageReference Include="Microsoft.Net.Compilers.Toolset" Version="4.14.0" PrivateAssets="all" />
            </ItemGroup>
            <PropertyGroup>
            """, DefaultProgram);

        var build = Run(dir, "build", "-c", "Release", "-v", "n");
        var output = Run(dir, "run", "-c", "Release", "--no-build");

        Assert.Contains("microsoft.net.compilers.toolset/4.14.0", build, StringComparison.Ordinal);
        Assert.Contains("analyzers/dotnet/roslyn4.14/cs/KexecGen.Generator.dll", build, StringComparison.Ordinal);
        Assert.Contains($"generated: syscall {RunningKexecFileLoad} -> -1 ENOSYS", output, StringComparison.Ordinal);
        Assert.Contains("bindings assembly: Consumer", output, StringComparison.Ordinal);
    }

    [Fact]
    public void OwnConfiguration_GetsExactlyWhatItNames()
    {
        var dir = Consumer("", """
            using System;
            using System.IO;
            using Sample.Calls;

            nint ppid = Syscalls.GetParentProcessId();
            var stat = File.ReadAllText("/proc/self/stat");
            Console.WriteLine($"getppid -> {ppid}, /proc says {stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]}");
            Console.WriteLine($"reboot kexec command -> 0x{(uint)RebootCommand.Kexec:X}");
            Console.WriteLine($"kexec bindings present -> {typeof(Syscalls).Assembly.GetType("Sample.Calls.KexecSegment") is not null}");
            """);
        // The consumer's own table: two ABIs, the reboot commands and getppid. A first scan finds each ABI's number,
        // the table then states it, and a second scan checks it.
        WriteOwnArches(dir, numbers: null);
        var first = HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        Assert.True(first.Diagnostics.All(d => d.Id == "KXG004"), string.Join("\n", first.Diagnostics)); // only the unknown numbers
        WriteOwnArches(dir, numbers: name => File.ReadAllLines(Path.Combine(dir, "headers", name + ".yaml")).Single(l => l.StartsWith("  getppid: ", StringComparison.Ordinal)).Split(':')[1].Trim());
        var scan = HeaderScan.Run(dir, Array.Empty<string>(), write: true);
        Assert.True(scan.Ok, string.Join("\n", scan.Diagnostics));
        var project = Path.Combine(dir, "Consumer.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", """
              <ItemGroup>
                <AdditionalFiles Include="arches.yaml;headers/*.yaml" />
              </ItemGroup>
            </Project>
            """, StringComparison.Ordinal));

        var output = Run(dir, "run", "-c", "Release");

        var line = output.Split('\n').Single(l => l.StartsWith("getppid -> ", StringComparison.Ordinal)).Trim();
        var parts = line["getppid -> ".Length..].Split(", /proc says ");
        Assert.Equal(parts[1], parts[0]);
        Assert.Contains("reboot kexec command -> 0x45584543", output, StringComparison.Ordinal);
        Assert.Contains("kexec bindings present -> False", output, StringComparison.Ordinal);
    }

    // The consumer's arches.yaml: x86_64 and arm64 as the repository describes them, binding only getppid.
    private static void WriteOwnArches(string dir, Func<string, string>? numbers)
    {
        var kernel = Repo.Arches.Kernel;
        var text = new System.Text.StringBuilder($"kernel:\n  package: {kernel.Package}\n  uapi: {kernel.Uapi}\nabis:\n");
        foreach (var abi in Repo.Arches.Abis.Where(a => a.Name is "x86_64" or "arm64"))
        {
            text.Append($"  - name: {abi.Name}\n    triple: {abi.Triple}\n");
            if (abi.DotNet.Count > 0) text.Append($"    dotnet: [{string.Join(", ", abi.DotNet)}]\n");
            text.Append($"    kernel_arch: {abi.KernelArch}\n");
            text.Append($"    syscalls:\n      getppid: {numbers?.Invoke(abi.Name) ?? "null"}\n");
        }
        text.Append("""
            bindings:
              namespace: Sample.Calls
              visibility: internal
              headers: [linux/version.h, linux/reboot.h, asm/unistd.h, asm/errno.h]
              constants:
                - prefix: LINUX_REBOOT_
                - prefix: LINUX_VERSION_
                - prefix: E
                  defined_in: errno
              enums:
                - { name: RebootCommand, type: uint, prefix: LINUX_REBOOT_CMD_, doc: Commands of reboot(2). }
              classes:
                - { name: Errno, prefix: E, defined_in: errno, doc: Error numbers. }
              syscalls:
                - { name: getppid, method: GetParentProcessId, doc: The parent's process id., args: [] }

            """);
        File.WriteAllText(Path.Combine(dir, "arches.yaml"), text.ToString());
    }

    private string Consumer(string properties, string program)
    {
        var dir = Path.Combine(Path.GetTempPath(), "kexecgen-consumer-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var shared = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packed.Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(dir, "packages")}" />
              </config>
              <fallbackPackageFolders>
                <add key="shared" value="{shared}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <InvariantGlobalization>true</InvariantGlobalization>
                {properties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KexecGen.Generator" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
        return dir;
    }

    private string Run(string dir, params string[] args)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var all = args[0] == "run" ? args : args.Append("-nodeReuse:false").ToArray();
        var (code, stdout, stderr) = ProcessRunner.RunIn(dir, "dotnet", TimeSpan.FromMinutes(10), all);
        log.WriteLine($"dotnet {string.Join(' ', args)}: {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(code == 0, $"dotnet {string.Join(' ', args)} failed:\n{stdout}\n{stderr}");
        return stdout;
    }
}
