using System;

namespace KexecGen.Config;

/// <summary>
/// One instance of each name the headers files repeat (every ABI's statx has stx_mask, a "__u64" field and a constant
/// from "linux/stat.h"), looked up by the characters where they stand in the file, so that a name seen before costs no
/// allocation. The parsed files live as long as the generator's state; fewer objects there make a cold run cheaper,
/// since much of its time is the garbage collector moving what survives.
/// </summary>
internal static class StringPool
{
    // The uapi's vocabulary is a few tens of thousands of names; past this, strings are made as they come.
    private const int Limit = 1 << 17;

    // One pool per thread: no lock on a path taken for every field of every file (the compiler reuses its threads, so
    // each pool soon holds the vocabulary).
    [ThreadStatic]
    private static string?[]? _slots;

    [ThreadStatic]
    private static int _count;

    /// <summary>The pooled string equal to <paramref name="length"/> characters of <paramref name="text"/> from <paramref name="start"/>.</summary>
    public static string Shared(string text, int start, int length)
    {
        uint hash = 2166136261;
        for (int i = start; i < start + length; i++) hash = (hash ^ text[i]) * 16777619;
        var slots = _slots ??= new string?[1 << 12];
        int mask = slots.Length - 1;
        for (int slot = (int)(hash & (uint)mask); ; slot = (slot + 1) & mask)
        {
            var pooled = slots[slot];
            if (pooled is null)
            {
                var made = text.Substring(start, length);
                if (_count >= Limit) return made;
                slots[slot] = made;
                if (++_count * 2 > slots.Length) Grow();
                return made;
            }
            if (pooled.Length == length && string.CompareOrdinal(pooled, 0, text, start, length) == 0) return pooled;
        }
    }

    /// <summary>The pooled string equal to <paramref name="text"/>.</summary>
    public static string Shared(string text) => Shared(text, 0, text.Length);

    private static void Grow()
    {
        var old = _slots!;
        var slots = _slots = new string?[old.Length * 2];
        int mask = slots.Length - 1;
        foreach (var s in old)
        {
            if (s is null) continue;
            uint hash = 2166136261;
            foreach (char c in s) hash = (hash ^ c) * 16777619;
            int slot = (int)(hash & (uint)mask);
            while (slots[slot] is not null) slot = (slot + 1) & mask;
            slots[slot] = s;
        }
    }
}
