using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KexecGen.Config;
using Microsoft.Build.Framework;
using MsBuildTask = Microsoft.Build.Utilities.Task;

namespace KexecGen.Tasks;

/// <summary>
/// KXG012: where the kernel headers a headers/&lt;abi&gt;.yaml file was scanned from are on this machine, each must still
/// have the SHA-256 the scan recorded; if not, the headers changed and the file should be re-scanned. The generator
/// cannot read them (generators do no file IO), so the build does. Machines without the headers skip the check.
/// </summary>
public sealed class CheckHeaderHashes : MsBuildTask
{
    /// <summary>The headers/*.yaml files among the project's AdditionalFiles.</summary>
    [Required]
    public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>
    /// A file to write, when every header matched, with the kernel headers that were hashed: the next build's target
    /// takes them as inputs, so it does nothing until one of them or a headers/ file changes. Removed on a mismatch,
    /// so that the warning stays until the cause is mended.
    /// </summary>
    public string? Record { get; set; }

    /// <inheritdoc/>
    public override bool Execute()
    {
        bool allMatch = true;
        // Headers shared by several ABIs (x86_64, x32 and i386 read the same x86 files) are hashed once.
        var hashed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            if (!File.Exists(path)) continue;
            // A file the reader refuses is the generator's to report (KXG002, or KXG019 unread when too large); nothing
            // here to compare.
            if (InputBounds.ReadFile(path, out _) is not { } text || ScannedAbiReader.Read(path, text).Value is not { } scanned) continue;
            if (!scanned.Include.All(Directory.Exists)) continue; // this machine has not got these headers
            for (int i = 0; i < scanned.Inputs.Count; i++)
            {
                var input = scanned.Inputs[i];
                var header = scanned.Include.Select(d => Path.Combine(d, input.Path)).FirstOrDefault(File.Exists);
                string? actual = null;
                if (header is not null && !hashed.TryGetValue(header, out actual)) hashed[header] = actual = InputFile.Sha256Of(header);
                if (actual == input.Sha256) continue;
                allMatch = false;
                Log.LogWarning("KexecGen", "KXG012", null, path, ScannedAbiFormat.InputLine(i), 5, 0, 0,
                    (header is null
                        ? $"header {input.Path} was scanned but is no longer in {string.Join(", ", scanned.Include)}"
                        : $"header {header} changed since it was scanned (SHA-256 {actual})")
                    + "; re-scan: dotnet run --project src/KexecGen.Scanner -- scan (KXG012 in docs/diagnostics.md)");
            }
        }
        if (Record is { Length: > 0 } record)
        {
            if (allMatch)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(record))!);
                File.WriteAllLines(record, hashed.Keys);
            }
            else if (File.Exists(record))
            {
                File.Delete(record);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
