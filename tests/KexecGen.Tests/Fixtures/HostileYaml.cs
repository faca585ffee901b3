using System.Linq;
using System.Text;

namespace KexecGen.Tests;

/// <summary>YAML written to make its reader work: the "billion laughs" of aliases, and deep nesting.</summary>
internal static class HostileYaml
{
    /// <summary>
    /// Anchors a0 to a{levels}, one line each, each a list of <paramref name="width"/> aliases of the one before:
    /// width^levels values once expanded (9^10, 3.5 billion, by default).
    /// </summary>
    public static string BillionLaughs(int levels = 10, int width = 9)
    {
        var text = new StringBuilder("a0: &a0 x\n");
        for (int i = 1; i <= levels; i++) text.Append($"a{i}: &a{i} [").Append(string.Join(",", Enumerable.Repeat($"*a{i - 1}", width))).Append("]\n");
        return text.ToString();
    }

    /// <summary>
    /// The laughs, then their last level in a mapping key (the issue's <c>? *a10 : x</c>, whose key is the mapping
    /// <c>{ *a10: x }</c>), which YamlDotNet's tree hashes through every alias.
    /// </summary>
    public static string LaughsAsKey(int levels = 10) => BillionLaughs(levels) + $"? *a{levels} : x\n";

    /// <summary>The laughs, then their last level as the ABIs' list.</summary>
    public static string LaughsAsValue(int levels = 10) => BillionLaughs(levels) + $"abis: *a{levels}\n";

    /// <summary>Flow lists open inside each other <paramref name="depth"/> deep, then closed, 1,000 brackets a line.</summary>
    public static string NestedLists(int depth)
    {
        var text = new StringBuilder("abis:\n");
        for (int done = 0; done < depth; done += 1000) text.Append("  ").Append('[', System.Math.Min(1000, depth - done)).Append('\n');
        for (int done = 0; done < depth; done += 1000) text.Append("  ").Append(']', System.Math.Min(1000, depth - done)).Append('\n');
        return text.ToString();
    }
}
