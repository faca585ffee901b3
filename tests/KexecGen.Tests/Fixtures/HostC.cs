using System;
using System.IO;
using System.Linq;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>
/// Compiles small C programs with the host gcc against the x86_64 ABI's own uapi headers (those headers/x86_64.yaml was
/// scanned from): fixtures and readers whose layout comes from the kernel's header, not from the code under test.
/// </summary>
internal static class HostC
{
    /// <summary>Compiles <paramref name="source"/>; returns the program's path.</summary>
    public static string Compile(string name, string source)
    {
        var abi = Repo.Arches.Abis.Single(a => a.Name == "x86_64");
        var file = Path.Combine(Path.GetTempPath(), $"kexecgen-{name}-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source);
        var program = Path.ChangeExtension(file, null);
        var args = abi.Include.Select(d => "-I" + d).Concat(new[] { "-O1", "-o", program, file }).ToArray();
        var (code, _, err) = ProcessRunner.Run("gcc", TimeSpan.FromMinutes(1), args);
        Assert.True(code == 0, $"gcc could not build {name}: {err}");
        return program;
    }
}
