using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace KexecGen.Scanner;

/// <summary>
/// The C source that asks a compiler for values: one line per question, a global constant initialised with the
/// expression and a flag saying whether it is negative. Compilers cannot evaluate a macro by itself, but they can
/// evaluate a constant initialised with it. A line that does not compile (a macro that is not an integer
/// expression) is dropped and the rest asked again.
/// </summary>
internal sealed class ValueProbe
{
    public const string ValuePrefix = "kexecgen_v";
    public const string NegativePrefix = "kexecgen_n";

    private readonly string _includes;
    private readonly List<(string Key, string Expression)> _questions = new();

    public ValueProbe(string includes) => _includes = includes;

    /// <summary>Asks for the value of <paramref name="expression"/>, answered under <paramref name="key"/>.</summary>
    public void Ask(string key, string expression) => _questions.Add((key, expression));

    /// <summary>
    /// Compiles the questions with <paramref name="compile"/> (source → 1-based error lines, or the raw answers by
    /// index) until they compile, dropping the questions on failing lines. Keys whose question failed get no value.
    /// </summary>
    public Dictionary<string, long> Answer(string abi, Func<string, (List<int> ErrorLines, string? FirstError, Dictionary<int, (ulong Bits, bool Negative)>? Answers)> compile)
    {
        var remaining = new List<(string Key, string Expression)>(_questions);
        for (int attempt = 0; ; attempt++)
        {
            int firstLine = _includes.Count(c => c == '\n') + 1;
            var source = new StringBuilder(_includes);
            for (int i = 0; i < remaining.Count; i++)
            {
                var e = remaining[i].Expression;
                // The assertion makes a non-integer (a string macro, an address) fail its line: gcc would otherwise
                // initialise the constant with an address to be relocated, and the object file would read 0.
                source.Append($"const unsigned long long {ValuePrefix}{i} = (unsigned long long)({e}); const int {NegativePrefix}{i} = (({e}) < 0); "
                    + $"_Static_assert(__builtin_classify_type({e}) >= 1 && __builtin_classify_type({e}) <= 4, \"an integer\");\n");
            }
            var (errorLines, firstError, answers) = compile(source.ToString());
            if (answers is null)
            {
                var bad = errorLines.Select(l => l - firstLine).Where(i => i >= 0 && i < remaining.Count).Distinct().ToList();
                if (bad.Count == 0 || attempt > 4) throw new ScanException($"ABI '{abi}': the value probe does not compile: {firstError}");
                foreach (var i in bad.OrderByDescending(i => i)) remaining.RemoveAt(i);
                continue;
            }
            var values = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (index, (bits, negative)) in answers)
            {
                if (index >= remaining.Count) continue;
                if (!negative && bits > long.MaxValue) throw new ScanException($"ABI '{abi}': {remaining[index].Expression} does not fit 64 signed bits");
                values[remaining[index].Key] = unchecked((long)bits);
            }
            return values;
        }
    }
}
