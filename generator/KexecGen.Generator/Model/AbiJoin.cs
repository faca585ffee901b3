using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Config;

namespace KexecGen.Generator.Model;

/// <summary>Pairs each ABI of arches.yaml with its scanned headers file, and checks what the pairing relies on.</summary>
internal static class AbiJoin
{
    // Pairs each ABI with its headers file and checks the hand-kept numbers against them.
    public static List<Abi> Join(ArchesSpec arches, IReadOnlyList<ScannedAbi> scannedFiles, List<DiagnosticInfo> diagnostics)
    {
        var result = new List<Abi>();
        foreach (var abi in arches.Abis)
        {
            var scanned = scannedFiles.FirstOrDefault(s => s.Abi == abi.Name);
            if (scanned is null)
            {
                diagnostics.Add(Diagnose.MissingHeaders(abi.Location, abi.Name));
                continue;
            }
            diagnostics.AddRange(ArchesCheck.Compare(arches, abi, scanned));
            result.Add(new Abi(abi, scanned));
        }
        foreach (var extra in scannedFiles.Where(s => arches.Abis.All(a => a.Name != s.Abi)))
        {
            diagnostics.Add(Diagnose.UnknownAbi(LocationInfo.FileStart(extra.Path), extra.Abi));
        }
        foreach (var group in arches.Abis.SelectMany(a => a.DotNet.Select(arch => (Arch: arch, Abi: a))).GroupBy(p => p.Arch).Where(g => g.Count() > 1))
        {
            var pair = group.Take(2).ToList();
            diagnostics.Add(Diagnose.AmbiguousArchitecture(pair[1].Abi.Location, group.Key, pair[0].Abi.Name, pair[1].Abi.Name));
        }
        return result;
    }
}
