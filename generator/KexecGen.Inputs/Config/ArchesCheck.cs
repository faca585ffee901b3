using System.Collections.Generic;
using System.Linq;

namespace KexecGen.Config;

/// <summary>Checks what arches.yaml states of an ABI (its kernel, triple, include directories, any numbers written as a cross-check) against what the scanner read.</summary>
public static class ArchesCheck
{
    /// <summary>Every disagreement between <paramref name="abi"/> of <paramref name="arches"/> and <paramref name="scanned"/>.</summary>
    public static IEnumerable<DiagnosticInfo> Compare(ArchesSpec arches, AbiSpec abi, ScannedAbi scanned)
    {
        var bindings = arches.Bindings;
        var at = LocationInfo.FileStart(scanned.Path);
        if (!arches.Kernel.Describes(scanned.Kernel)) yield return Diagnose.StaleHeaders(at, abi.Name, $"scanned from Linux {scanned.Kernel}, arches.yaml's kernel is {arches.Kernel.Package}");
        if (scanned.Triple != abi.Triple) yield return Diagnose.StaleHeaders(at, abi.Name, $"scanned for '{scanned.Triple}', arches.yaml says '{abi.Triple}'");
        if (!scanned.Include.SequenceEqual(abi.Include)) yield return Diagnose.StaleHeaders(at, abi.Name, "scanned from other include directories than arches.yaml names");
        if (!scanned.Scanned.SequenceEqual(bindings.HeadersFor(abi.Name))) yield return Diagnose.StaleHeaders(at, abi.Name, "scanned from other headers than bindings.headers names");

        var numbers = new Dictionary<string, ScannedSyscall>(System.StringComparer.Ordinal);
        foreach (var number in scanned.Syscalls)
        {
            if (!numbers.ContainsKey(number.Name)) numbers.Add(number.Name, number);
        }
        foreach (var call in bindings.Syscalls)
        {
            var stated = abi.Syscalls.Count == 0 ? null : abi.Syscalls.FirstOrDefault(s => s.Name == call.Name);
            numbers.TryGetValue(call.Name, out var found);
            if (found is null)
            {
                yield return Diagnose.StaleHeaders(at, abi.Name, $"it has no entry for syscall '{call.Name}'");
            }
            else if (stated is not null && stated.Number != found.Number)
            {
                yield return Diagnose.NumberMismatch(stated.Location, abi.Name, $"the number of {call.Name}", Show(stated.Number), Show(found.Number));
            }
        }
        foreach (var extra in abi.Syscalls.Where(s => bindings.Syscalls.All(c => c.Name != s.Name)))
        {
            yield return Diagnose.Schema(extra.Location, $"ABI '{abi.Name}' numbers syscall '{extra.Name}', which bindings.syscalls does not bind");
        }
        if (abi.KexecArch is not null && scanned.Constants.All(c => c.Name != abi.KexecArch))
        {
            yield return Diagnose.NotScanned(abi.Location, abi.Name, $"kexec_arch '{abi.KexecArch}'");
        }
    }

    private static string Show(long? number) => number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "absent (null)";
}
