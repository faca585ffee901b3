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

    private static readonly object Gate = new();
    private static string?[] _slots = new string?[1 << 12];
    private static int _count;

    /// <summary>The pooled string equal to <paramref name="length"/> characters of <paramref name="text"/> from <paramref name="start"/>.</summary>
    public static string Shared(string text, int start, int length)
    {
        uint hash = 2166136261;
        for (int i = start; i < start + length; i++) hash = (hash ^ text[i]) * 16777619;
        lock (Gate)
        {
            int mask = _slots.Length - 1;
            for (int slot = (int)(hash & (uint)mask); ; slot = (slot + 1) & mask)
            {
                var pooled = _slots[slot];
                if (pooled is null)
                {
                    var made = text.Substring(start, length);
                    if (_count >= Limit) return made;
                    _slots[slot] = made;
                    if (++_count * 2 > _slots.Length) Grow();
                    return made;
                }
                if (pooled.Length == length && string.CompareOrdinal(pooled, 0, text, start, length) == 0) return pooled;
            }
        }
    }

    /// <summary>The pooled string equal to <paramref name="text"/>.</summary>
    public static string Shared(string text) => Shared(text, 0, text.Length);

    private static void Grow()
    {
        var old = _slots;
        _slots = new string?[old.Length * 2];
        int mask = _slots.Length - 1;
        foreach (var s in old)
        {
            if (s is null) continue;
            uint hash = 2166136261;
            foreach (char c in s) hash = (hash ^ c) * 16777619;
            int slot = (int)(hash & (uint)mask);
            while (_slots[slot] is not null) slot = (slot + 1) & mask;
            _slots[slot] = s;
        }
    }
}
