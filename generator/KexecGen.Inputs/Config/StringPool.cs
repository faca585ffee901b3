using System;
using System.Collections.Concurrent;

namespace KexecGen.Config;

/// <summary>
/// One instance of each name the headers files repeat (every ABI's statx has stx_mask, a "__u64" field and a constant
/// from "linux/stat.h"). The parsed files live as long as the generator's state; fewer objects there make a cold run
/// cheaper, since much of its time is the garbage collector moving what survives.
/// </summary>
internal static class StringPool
{
    // The uapi's vocabulary is a few tens of thousands of names; past this, strings are kept as they come.
    private const int Limit = 1 << 17;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);

    /// <summary>The pooled instance equal to <paramref name="text"/>.</summary>
    public static string Shared(string text) =>
        Pool.TryGetValue(text, out var pooled) ? pooled : Pool.Count < Limit ? Pool.GetOrAdd(text, text) : text;
}
