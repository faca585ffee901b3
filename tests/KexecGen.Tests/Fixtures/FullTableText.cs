using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Config;

namespace KexecGen.Tests;

/// <summary>The whole-table consumer's arches.yaml (shared by the tests and the generator benchmark, which links this file).</summary>
public static class FullTableText
{
    /// <summary>The names of the rows of each ABI's table, in its ABI columns.</summary>
    public static IReadOnlyList<string> TableNames(ArchesSpec arches) => arches.Abis.Where(a => a.Table is not null)
        .SelectMany(a => File.ReadLines(Path.Combine(arches.Kernel.SourceFolder, a.Table!.File))
            .Select(line => line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 3 && !f[0].StartsWith('#') && a.Table.Abis.Contains(f[1])).Select(f => f[2]))
        .Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();

    /// <summary>The repository's table with its bindings replaced by <paramref name="names"/>, each bound by name alone.</summary>
    public static string Table(string repositoryArches, IReadOnlyList<string> names)
    {
        var text = repositoryArches.Replace("\r", "", StringComparison.Ordinal);
        var head = string.Join("\n", text[..text.IndexOf("\nbindings:\n", StringComparison.Ordinal)].Split('\n')
            .Where(l => !l.StartsWith("    kexec_arch: ", StringComparison.Ordinal)));
        var s = new StringBuilder(head).Append("""

            bindings:
              namespace: KexecGen.FullTable
              visibility: internal
              headers: [linux/version.h, asm/unistd.h, asm/errno.h]
              constants:
                - prefix: E
                  defined_in: errno
                - prefix: LINUX_VERSION_
              classes:
                - name: Errno
                  prefix: E
                  defined_in: errno
                  doc: Error numbers of the running ABI.
              syscalls:

            """);
        var methods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var method = string.Concat(name.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            if (!methods.Add(method)) methods.Add(method = "Sys" + method); // _sysctl and a sysctl, were there one
            s.Append($"    - {{ name: {name}, method: {method} }}\n");
        }
        return s.ToString();
    }
}
