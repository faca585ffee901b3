using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KexecGen.Config;

/// <summary>How C names become C# names, and what counts as an identifier: one rule for the readers and the model.</summary>
public static class CSharpNames
{
    /// <summary>KEXEC_ARCH_X86_64 less "KEXEC_ARCH_" is X86_64; CAD_ON is CadOn: words capitalised, an underscore kept only between digits.</summary>
    public static string MemberName(string cName, string? strip)
    {
        var rest = strip is not null && cName.StartsWith(strip, StringComparison.Ordinal) ? cName.Substring(strip.Length) : cName;
        var s = new StringBuilder();
        foreach (var part in rest.Split(new[] { '_' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (s.Length > 0 && char.IsDigit(s[s.Length - 1]) && char.IsDigit(part[0])) s.Append('_');
            s.Append(char.ToUpperInvariant(part[0])).Append(part.Substring(1).ToLowerInvariant());
        }
        return s.ToString();
    }

    /// <summary>An argument's C name as a C# parameter name: kernel_fd is kernelFd.</summary>
    public static string CamelCase(string cName)
    {
        var pascal = MemberName(cName, null);
        return pascal.Length == 0 ? pascal : char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>A name that is a C# keyword (an argument called "new", say) escaped, not renamed.</summary>
    public static string Escaped(string name) => Keywords.Contains(name) ? "@" + name : name;

    /// <summary>
    /// The one identifier rule of every reader and the model: an ASCII letter or _, then ASCII letters, digits or _ —
    /// a name valid in C and in C#.
    /// </summary>
    public static bool IsIdentifier(string? name) => name is not null && IsIdentifier(name, 0, name.Length);

    /// <summary>Whether <paramref name="length"/> characters of <paramref name="text"/> from <paramref name="start"/> are an identifier (<see cref="IsIdentifier(string?)"/>).</summary>
    public static bool IsIdentifier(string text, int start, int length)
    {
        if (length == 0 || !(text[start] == '_' || text[start] < 128 && char.IsLetter(text[start]))) return false;
        for (int i = start; i < start + length; i++)
        {
            char c = text[i];
            if (!(c < 128 && (char.IsLetterOrDigit(c) || c == '_'))) return false;
        }
        return true;
    }
}
