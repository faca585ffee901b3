using System;
using System.Linq;

namespace KexecGen.Tests;

/// <summary>The catalogue's table for every ABI (shared by the tests and the generator benchmark, which links this file).</summary>
public static class CatalogueTable
{
    /// <summary>The probe's table with its ABIs replaced by every ABI of <paramref name="repositoryArches"/> (less kexec_arch, a constant the catalogue does not scan).</summary>
    public static string EveryAbi(string probeArches, string repositoryArches)
    {
        string Section(string text, string from, string to) => text[text.IndexOf(from, StringComparison.Ordinal)..text.IndexOf(to, StringComparison.Ordinal)];
        var abis = string.Join("\n", Section(repositoryArches.Replace("\r", ""), "\nabis:\n", "\nbindings:\n").Split('\n')
            .Where(l => !l.StartsWith("    kexec_arch: ", StringComparison.Ordinal)));
        var probe = probeArches.Replace("\r", "");
        return probe[..probe.IndexOf("\nabis:\n", StringComparison.Ordinal)] + abis + probe[probe.IndexOf("\nbindings:\n", StringComparison.Ordinal)..];
    }
}
