using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KexecGen.Cli;

/// <summary>One option a <see cref="Getopt"/> parse knows.</summary>
/// <param name="Long">The long name, without "--"; null for a short-only option.</param>
/// <param name="Short">The short letter; '\0' for a long-only option.</param>
/// <param name="TakesValue">Whether it requires an argument (kexec-tools has no optional ones).</param>
/// <param name="Id">What it means: spellings with one id are one option (--append and --command-line).</param>
internal sealed record GetoptOption(string? Long, char Short, bool TakesValue, string Id);

/// <summary>An option as it was given, with its value's bytes.</summary>
/// <param name="Option">Which option.</param>
/// <param name="Value">Its argument, byte for byte; null for a flag.</param>
/// <param name="Spelling">How it was written ("-l", "--app"), for messages.</param>
internal sealed record GivenOption(GetoptOption Option, byte[]? Value, string Spelling);

/// <summary>
/// glibc's getopt_long as kexec-tools calls it (default ordering: options and operands in any order, "--" ends the
/// options), over argv as bytes: exact long names or unambiguous abbreviations, "--name=value" and "--name value",
/// bundled short letters ("-lc", "-tbzImage", "-t bzImage"). Values are never decoded.
/// </summary>
internal static class Getopt
{
    /// <summary>The options in the order given, the operands (the kernel, then anything after it), or glibc's message for the first error.</summary>
    public static (IReadOnlyList<GivenOption> Options, IReadOnlyList<byte[]> Operands, string? Error) Parse(IReadOnlyList<byte[]> argv, IReadOnlyList<GetoptOption> known)
    {
        var options = new List<GivenOption>();
        var operands = new List<byte[]>();
        for (int i = 0; i < argv.Count; i++)
        {
            var word = argv[i];
            if (word is [(byte)'-', (byte)'-'])
            {
                operands.AddRange(argv.Skip(i + 1));
                break;
            }
            if (word is [(byte)'-', (byte)'-', ..])
            {
                int eq = Array.IndexOf(word, (byte)'=');
                var name = Ascii(word.AsSpan(2, (eq < 0 ? word.Length : eq) - 2));
                var (option, error) = Long(name, known);
                if (option is null) return (options, operands, error);
                byte[]? value = null;
                if (option.TakesValue)
                {
                    if (eq >= 0) value = word[(eq + 1)..];
                    else if (i + 1 < argv.Count) value = argv[++i];
                    else return (options, operands, $"option '--{option.Long}' requires an argument");
                }
                else if (eq >= 0)
                {
                    return (options, operands, $"option '--{option.Long}' doesn't allow an argument");
                }
                options.Add(new GivenOption(option, value, "--" + name));
            }
            else if (word is [(byte)'-', _, ..])
            {
                for (int j = 1; j < word.Length; j++)
                {
                    char letter = (char)word[j];
                    var option = word[j] < 0x80 ? known.FirstOrDefault(o => o.Short == letter && letter != '\0') : null;
                    if (option is null) return (options, operands, $"invalid option -- '{Printable(word[j])}'");
                    if (!option.TakesValue)
                    {
                        options.Add(new GivenOption(option, null, "-" + letter));
                        continue;
                    }
                    byte[] value;
                    if (j + 1 < word.Length) value = word[(j + 1)..];
                    else if (i + 1 < argv.Count) value = argv[++i];
                    else return (options, operands, $"option requires an argument -- '{letter}'");
                    options.Add(new GivenOption(option, value, "-" + letter));
                    break;
                }
            }
            else
            {
                operands.Add(word);
            }
        }
        return (options, operands, null);
    }

    // An exact long name, else the one option every long name it begins is a spelling of.
    private static (GetoptOption? Option, string? Error) Long(string name, IReadOnlyList<GetoptOption> known)
    {
        if (known.FirstOrDefault(o => o.Long == name) is { } exact) return (exact, null);
        var candidates = name.Length == 0 ? new List<GetoptOption>() : known.Where(o => o.Long is not null && o.Long.StartsWith(name, StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0) return (null, $"unrecognized option '--{name}'");
        if (candidates.Select(o => (o.Id, o.TakesValue)).Distinct().Count() > 1)
        {
            return (null, $"option '--{name}' is ambiguous; possibilities: {string.Join(' ', candidates.Select(o => $"'--{o.Long}'"))}");
        }
        return (candidates[0], null);
    }

    // Option names are ASCII; any other byte shows as a \x escape in a message.
    private static string Ascii(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes) text.Append(Printable(b));
        return text.ToString();
    }

    private static string Printable(byte b) => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}";
}
