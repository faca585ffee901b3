using System.Globalization;
using System.IO;

namespace KexecGen.Config;

/// <summary>
/// The bounds every input is read within (arches.yaml and headers/*.yaml, by the generator, the scanner and the build
/// task alike). Each is far beyond any real file (arches.yaml is 22 KB with 200-character lines, a headers file 20 to
/// 45 KB), yet small enough that reading up to it takes seconds: past one, a KXG019 diagnostic, never a slow build or a
/// hung IDE, whose generators rerun on every edit.
/// </summary>
public static class InputBounds
{
    /// <summary>A file's length in characters (bytes, when reading from disk): 64 MiB.</summary>
    public const int FileLength = 64 * 1024 * 1024;

    /// <summary>A line's length in characters: 64 KiB.</summary>
    public const int LineLength = 64 * 1024;

    /// <summary>Lists and mappings open inside each other: 64 (arches.yaml nests 6 deep).</summary>
    public const int Depth = 64;

    /// <summary>One YAML value's length in characters, a block scalar's lines together: 64 KiB.</summary>
    public const int ScalarLength = 64 * 1024;

    /// <summary>
    /// Items of one YAML list, or keys of one mapping: 10,000. Some checks compare two lists item by item (the syscalls
    /// an ABI states with those bound): this keeps them to 10^8 steps at worst.
    /// </summary>
    public const int Entries = 10_000;

    /// <summary>YAML values, lists and mappings in one file: 1,000,000.</summary>
    public const int Nodes = 1_000_000;

    /// <summary>KXG019 for <paramref name="text"/>'s length or its first line longer than its bound; null when both are within.</summary>
    public static DiagnosticInfo? CheckText(string path, string text)
    {
        if (text.Length > FileLength) return Diagnose.ExceedsBound(LocationInfo.FileStart(path), $"the file has {Count(text.Length)} characters, more than {Count(FileLength)}");
        int start = 0, line = 1;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && !IsLineBreak(text[i])) continue;
            if (i - start > LineLength) return Diagnose.ExceedsBound(new LocationInfo(path, line, LineLength + 1), $"line {line} has {Count(i - start)} characters, more than {Count(LineLength)}");
            if (i + 1 < text.Length && text[i] == '\r' && text[i + 1] == '\n') i++;
            start = i + 1;
            line++;
        }
        return null;
    }

    // The line breaks of YAML and of the compiler, whose line numbers the diagnostics must share ("\r\n" is one).
    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029';

    /// <summary>
    /// The text of the file at <paramref name="path"/>; null, with <paramref name="refused"/> a KXG019, when the file is
    /// longer than <see cref="FileLength"/>, told from its size before a byte is read. Its lines are the reader's to check.
    /// </summary>
    public static string? ReadFile(string path, out DiagnosticInfo? refused)
    {
        long size = new FileInfo(path).Length;
        refused = size > FileLength ? Diagnose.ExceedsBound(LocationInfo.FileStart(path), $"the file has {Count(size)} bytes, more than {Count(FileLength)}") : null;
        return refused is null ? File.ReadAllText(path) : null;
    }

    /// <summary>A count as the diagnostics write it: 65,537.</summary>
    internal static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
