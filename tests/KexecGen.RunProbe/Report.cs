using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

// Linux alone: the probe reads /proc and calls Linux's syscalls.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace KexecGen.RunProbe;

/// <summary>What the probe prints: one "ok NAME" per syscall that answered as it should, "FAIL NAME why" per check that did not.</summary>
internal static unsafe class Report
{
    /// <summary>The syscalls whose every check so far held.</summary>
    public static readonly SortedSet<string> Passed = new(StringComparer.Ordinal);

    /// <summary>The syscalls with a failed check.</summary>
    public static readonly SortedSet<string> Failed = new(StringComparer.Ordinal);

    /// <summary>Records one check of <paramref name="name"/>; its first failure, or its first success, is printed.</summary>
    public static bool Check(string name, bool condition, string why)
    {
        // errno is read before anything else here can make a call that sets it.
        int errno = Marshal.GetLastPInvokeError();
        if (condition)
        {
            if (!Failed.Contains(name) && Passed.Add(name)) Console.WriteLine($"ok {name}");
            return true;
        }
        Passed.Remove(name);
        Failed.Add(name);
        Console.WriteLine($"FAIL {name} {why} (errno {errno})");
        return false;
    }

    /// <summary>Checks that a call answered -1 with <paramref name="expected"/> as errno.</summary>
    public static bool Fails(string name, nint result, int expected, string what)
    {
        int errno = Marshal.GetLastPInvokeError();
        return Check(name, result == -1 && errno == expected, $"{what}: answered {result}, errno {errno}, expected -1 with errno {expected}");
    }

    /// <summary>Runs a group of calls; an exception in it fails the group, and the others still run.</summary>
    public static void Section(string name, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            Failed.Add("section " + name);
            Console.WriteLine($"FAIL section {name} threw {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>, never freed: the probe is short-lived.</summary>
    public static byte* Z(string text) => (byte*)Marshal.StringToCoTaskMemUTF8(text);

    /// <summary>The text before the first NUL of <paramref name="bytes"/>.</summary>
    public static string Text(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>
    /// A field of the calling thread's /proc stat line (1-based, as proc(5) counts). The thread's own file, because
    /// qemu-user answers /proc/self/stat itself with most fields 0, and passes /proc/thread-self through to the kernel.
    /// </summary>
    public static long StatField(int field)
    {
        var line = File.ReadAllText("/proc/thread-self/stat");
        var rest = line[(line.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(rest[field - 3], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The fields of a line of /proc/thread-self/status ("Uid:", "Groups:"...).</summary>
    public static string[] StatusField(string key) =>
        File.ReadAllLines("/proc/thread-self/status").Single(l => l.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..]
            .Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
}
