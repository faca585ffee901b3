using System;
using System.IO;
using Xunit;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>
/// The two static C programs of the kdump tests, built for the guest's architecture: kdump-fill (first kernel: fill a
/// locked buffer with a marker's pattern, record its frames and the RAM map, load the crash kernel, panic) and
/// kdump-check (crash kernel: read the frames back through /proc/vmcore and print a verdict).
/// </summary>
internal sealed record KdumpPrograms(byte[] Fill, byte[] Check)
{
    /// <summary>Builds both with <paramref name="gcc"/> (the host's or a cross gcc), statically linked.</summary>
    public static KdumpPrograms Build(string gcc)
    {
        var source = Path.Combine(Repo.Root, "tests", "KexecGen.Tests", "Qemu", "Kdump");
        return new KdumpPrograms(Compile(gcc, Path.Combine(source, "kdump-fill.c")), Compile(gcc, Path.Combine(source, "kdump-check.c")));
    }

    private static byte[] Compile(string gcc, string source)
    {
        var output = Path.Combine(Path.GetTempPath(), $"kexecgen-{Path.GetFileNameWithoutExtension(source)}-{Guid.NewGuid():N}");
        var (code, _, err) = ProcessRunner.Run(gcc, TimeSpan.FromMinutes(2), "-static", "-O1", "-Wall", "-Werror", "-o", output, source);
        Assert.True(code == 0, $"{gcc} could not build {source} (.ci/run installs gcc and the cross gcc): {err}");
        return File.ReadAllBytes(output);
    }
}
