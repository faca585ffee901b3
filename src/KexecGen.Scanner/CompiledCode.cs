using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>
/// The configuration of the kernel that runs an ABI's table, as far as arches.yaml decides it (<see cref="TableSpec.Config"/>):
/// a preprocessor condition on a decided symbol is true or false, one on any other symbol is unknown.
/// </summary>
internal sealed class KernelConfig
{
    private readonly HashSet<string> _set;
    private readonly HashSet<string> _decided;

    private KernelConfig(HashSet<string> set, HashSet<string> decided) => (_set, _decided) = (set, decided);

    /// <summary>The configuration of <paramref name="table"/>'s kernel; without one, its bitness is the ABI's pointer size.</summary>
    public static KernelConfig For(TableSpec? table, int pointerSize)
    {
        var set = new HashSet<string>(table?.Config ?? EquatableArray<string>.Empty, StringComparer.Ordinal);
        if (!set.Contains("64BIT") && !set.Contains("32BIT")) set.Add(pointerSize == 8 ? "64BIT" : "32BIT");
        var decided = new HashSet<string>(set.Concat(table?.Unset ?? EquatableArray<string>.Empty), StringComparer.Ordinal) { "64BIT", "32BIT" };
        return new KernelConfig(set, decided);
    }

    /// <summary>Whether <paramref name="condition"/> (an #if expression) holds: null where it tests what is not decided.</summary>
    public bool? Holds(string condition)
    {
        var value = new ConditionEvaluator(condition, Value, Defined).Evaluate();
        return value is null ? null : value != 0;
    }

    private long? Value(string name) => name switch
    {
        "BITS_PER_LONG" or "__BITS_PER_LONG" => _set.Contains("64BIT") ? 64 : 32,
        "__KERNEL__" => 1,
        _ => Defined(name) is { } d ? (d ? 1 : 0) : null,
    };

    private bool? Defined(string name)
    {
        if (name is "__KERNEL__" or "BITS_PER_LONG") return true;
        if (!name.StartsWith("CONFIG_", StringComparison.Ordinal)) return null;
        var symbol = name.Substring("CONFIG_".Length);
        return _decided.Contains(symbol) ? _set.Contains(symbol) : null;
    }
}

/// <summary>
/// Evaluates a C preprocessor condition in three values (a number, or null: unknown), for the forms the kernel's
/// prototype files use: defined(X), IS_ENABLED(X), numbers, !, comparisons, &amp;&amp;, || and parentheses. Anything else
/// is unknown, never an error: an unknown condition keeps a declaration, as before conditionals were read.
/// </summary>
internal sealed class ConditionEvaluator
{
    private readonly List<string> _tokens;
    private readonly Func<string, long?> _value;
    private readonly Func<string, bool?> _defined;
    private int _at;

    public ConditionEvaluator(string condition, Func<string, long?> value, Func<string, bool?> defined)
    {
        _tokens = Regex.Matches(condition, @"&&|\|\||==|!=|<=|>=|[A-Za-z_]\w*|0[xX][0-9a-fA-F]+|\d+[uUlL]*|\S").Select(m => m.Value).ToList();
        (_value, _defined) = (value, defined);
    }

    /// <summary>The condition's value; null where unknown or not understood.</summary>
    public long? Evaluate()
    {
        try
        {
            var value = Or();
            return _at == _tokens.Count ? value : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private string? Peek => _at < _tokens.Count ? _tokens[_at] : null;

    private string Next() => _at < _tokens.Count ? _tokens[_at++] : throw new FormatException("condition ends early");

    private void Expect(string token)
    {
        if (Next() != token) throw new FormatException($"'{token}' expected");
    }

    // Unknown || true is true, unknown && false is false: the rest stays unknown.
    private long? Or()
    {
        var left = And();
        while (Peek == "||")
        {
            Next();
            var right = And();
            left = left == 1 || right == 1 || (left is not null && left != 0) || (right is not null && right != 0) ? 1 : left is null || right is null ? null : 0;
        }
        return left;
    }

    private long? And()
    {
        var left = Comparison();
        while (Peek == "&&")
        {
            Next();
            var right = Comparison();
            left = left == 0 || right == 0 ? 0 : left is null || right is null ? null : 1;
        }
        return left;
    }

    private long? Comparison()
    {
        var left = Unary();
        while (Peek is "==" or "!=" or "<" or ">" or "<=" or ">=")
        {
            var op = Next();
            var right = Unary();
            left = left is not { } l || right is not { } r ? null : op switch
            {
                "==" => l == r ? 1 : 0,
                "!=" => l != r ? 1 : 0,
                "<" => l < r ? 1 : 0,
                ">" => l > r ? 1 : 0,
                "<=" => l <= r ? 1 : 0,
                _ => l >= r ? 1 : 0,
            };
        }
        return left;
    }

    private long? Unary()
    {
        var token = Next();
        switch (token)
        {
            case "!":
                return Unary() is { } v ? (v == 0 ? 1 : 0) : null;
            case "(":
                var inner = Or();
                Expect(")");
                return inner;
            case "defined":
                bool parenthesized = Peek == "(";
                if (parenthesized) Next();
                var name = Next();
                if (parenthesized) Expect(")");
                return _defined(name) is { } d ? (d ? 1 : 0) : null;
            case "IS_ENABLED" or "IS_BUILTIN":
                Expect("(");
                var symbol = Next();
                Expect(")");
                return _defined(symbol) is { } e ? (e ? 1 : 0) : null;
        }
        if (char.IsDigit(token[0]))
        {
            var digits = token.TrimEnd('u', 'U', 'l', 'L');
            return digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? long.Parse(digits.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : long.Parse(digits, CultureInfo.InvariantCulture);
        }
        if (char.IsLetter(token[0]) || token[0] == '_')
        {
            // A function-like macro not read here (__is_defined(X)): its call is unknown.
            if (Peek == "(")
            {
                int depth = 0;
                do
                {
                    var t = Next();
                    depth += t == "(" ? 1 : t == ")" ? -1 : 0;
                }
                while (depth > 0);
                return null;
            }
            return _value(token);
        }
        throw new FormatException($"'{token}' not understood");
    }
}

/// <summary>
/// Under which preprocessor condition each line of a kernel source file is compiled, and under which configuration
/// the arch's kernel Makefile builds each of its C files.
/// </summary>
internal static partial class CompiledCode
{
    private static readonly ConcurrentDictionary<string, string[]> LineConditions = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Dictionary<string, string>> MakefileConditions = new(StringComparer.Ordinal);

    /// <summary>
    /// The condition line <paramref name="line"/> (from 1) of <paramref name="text"/> is compiled under: its enclosing
    /// #if, #ifdef, #elif and #else joined with &amp;&amp;, and the Makefile's condition for the file; "1" when none.
    /// </summary>
    public static string At(string sourceRoot, string relative, string text, int line)
    {
        var lines = LineConditions.GetOrAdd(Path.Combine(sourceRoot, relative), _ => ConditionsOfLines(text));
        var inFile = line - 1 < lines.Length ? lines[line - 1] : "1";
        return Makefile(sourceRoot, relative) is { } built ? $"({built}) && ({inFile})" : inFile;
    }

    /// <summary>The condition of each line of a C source (comments already blanked), from the preprocessor's conditionals.</summary>
    internal static string[] ConditionsOfLines(string text)
    {
        var lines = text.Split('\n');
        var result = new string[lines.Length];
        // Each open conditional: the conditions of its branches so far, and the one now in force.
        var open = new List<(List<string> Branches, string Current)>();
        string Joined() => open.Count == 0 ? "1" : string.Join(" && ", open.Select(o => "(" + o.Current + ")"));
        var current = "1";
        for (int i = 0; i < lines.Length; i++)
        {
            result[i] = current;
            var directive = lines[i];
            while (directive.EndsWith("\\", StringComparison.Ordinal) && i + 1 < lines.Length)
            {
                directive = directive.Substring(0, directive.Length - 1) + " " + lines[++i];
                result[i] = current;
            }
            var m = Directive().Match(directive);
            if (!m.Success) continue;
            var (kind, condition) = (m.Groups[1].Value, m.Groups[2].Value.Trim());
            string NotAny(List<string> branches) => "!(" + string.Join(" || ", branches.Select(b => "(" + b + ")")) + ")";
            switch (kind)
            {
                case "if":
                    open.Add((new List<string> { condition }, condition));
                    break;
                case "ifdef":
                    open.Add((new List<string> { $"defined({condition})" }, $"defined({condition})"));
                    break;
                case "ifndef":
                    open.Add((new List<string> { $"!defined({condition})" }, $"!defined({condition})"));
                    break;
                case "elif" when open.Count > 0:
                    var branches = open[^1].Branches;
                    open[^1] = (branches, NotAny(branches) + " && (" + condition + ")");
                    branches.Add(condition);
                    break;
                case "else" when open.Count > 0:
                    open[^1] = (open[^1].Branches, NotAny(open[^1].Branches));
                    break;
                case "endif" when open.Count > 0:
                    open.RemoveAt(open.Count - 1);
                    break;
            }
            current = Joined();
        }
        return result;
    }

    /// <summary>
    /// The condition under which the arch's kernel Makefile (arch/ARCH/kernel/Makefile) builds <paramref name="relative"/>:
    /// obj-y is always, obj-$(CONFIG_X) under X, within its ifdef/ifeq blocks; null for a file it does not name.
    /// </summary>
    internal static string? Makefile(string sourceRoot, string relative)
    {
        var match = Regex.Match(relative, @"^(arch/[^/]+/kernel)/([^/]+)\.c$");
        if (!match.Success) return null;
        var makefile = Path.Combine(sourceRoot, match.Groups[1].Value, "Makefile");
        var conditions = MakefileConditions.GetOrAdd(makefile, path => File.Exists(path) ? ReadMakefile(File.ReadAllText(path)) : new Dictionary<string, string>());
        return conditions.TryGetValue(match.Groups[2].Value, out var condition) ? condition : null;
    }

    /// <summary>Each object the Makefile names (its stem) and the condition it is built under.</summary>
    internal static Dictionary<string, string> ReadMakefile(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var blocks = new List<string>();
        foreach (var raw in Regex.Replace(text, @"\\\n", " ").Split('\n'))
        {
            var line = Regex.Replace(raw, @"#.*$", "").Trim();
            Match m;
            if ((m = Regex.Match(line, @"^ifdef\s+CONFIG_(\w+)$")).Success) blocks.Add($"defined(CONFIG_{m.Groups[1].Value})");
            else if ((m = Regex.Match(line, @"^ifndef\s+CONFIG_(\w+)$")).Success) blocks.Add($"!defined(CONFIG_{m.Groups[1].Value})");
            else if ((m = Regex.Match(line, @"^if(n?)eq\s*\(\s*\$\(CONFIG_(\w+)\)\s*,\s*y\s*\)$")).Success)
                blocks.Add((m.Groups[1].Value == "n" ? "!" : "") + $"defined(CONFIG_{m.Groups[2].Value})");
            // A test of anything else (a variable, a compiler flag): unknown.
            else if (Regex.IsMatch(line, @"^if(n?eq|n?def)\b")) blocks.Add("unknown_make_condition()");
            else if (line == "else" && blocks.Count > 0) blocks[^1] = "!(" + blocks[^1] + ")";
            else if (line == "endif" && blocks.Count > 0) blocks.RemoveAt(blocks.Count - 1);
            else if ((m = Regex.Match(line, @"^obj-(y|\$\(CONFIG_(\w+)\))\s*[:+]?=\s*(.*)$")).Success)
            {
                var condition = string.Join(" && ", blocks.Select(b => "(" + b + ")")
                    .Concat(m.Groups[2].Success ? new[] { $"defined(CONFIG_{m.Groups[2].Value})" } : Array.Empty<string>()));
                if (condition.Length == 0) condition = "1";
                foreach (var word in m.Groups[3].Value.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries).Where(w => w.EndsWith(".o", StringComparison.Ordinal)))
                {
                    var stem = word.Substring(0, word.Length - 2);
                    result[stem] = result.TryGetValue(stem, out var before) ? $"({before}) || ({condition})" : condition;
                }
            }
        }
        return result;
    }

    [GeneratedRegex(@"^\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)$")]
    private static partial Regex Directive();
}
