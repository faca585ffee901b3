using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KexecGen.Config;

/// <summary>Reads a YAML document node by node, turning every schema problem into a located diagnostic.</summary>
internal sealed class YamlReader
{
    private readonly string _path;

    public YamlReader(string path) => _path = path;

    public List<DiagnosticInfo> Diagnostics { get; } = new();

    /// <summary>
    /// The root node of <paramref name="text"/>, or null after a diagnostic (KXG001, KXG002 or KXG019). The tree is built
    /// only from events <see cref="YamlEventCheck"/> has checked, so it is as small as the text. Never throws.
    /// </summary>
    public YamlNode? Load(string text)
    {
        if (YamlEventCheck.Read(_path, text, Diagnostics) is not { } events) return null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new EventReplay(events));
            if (stream.Documents.Count == 0)
            {
                Diagnostics.Add(Diagnose.Schema(LocationInfo.FileStart(_path), "the file is empty"));
                return null;
            }
            return stream.Documents[0].RootNode;
        }
        catch (YamlException e)
        {
            // A key given twice in one mapping; YamlDotNet's messages repeat the position, the location carries it.
            Diagnostics.Add(Diagnose.YamlSyntax(new LocationInfo(_path, (int)Math.Max(1, e.Start.Line), (int)Math.Max(1, e.Start.Column)), e.InnerException?.Message ?? e.Message));
            return null;
        }
    }

    // The checked events, handed to YamlDotNet's tree builder as a parser would.
    private sealed class EventReplay(List<YamlDotNet.Core.Events.ParsingEvent> events) : IParser
    {
        private int _next;

        public YamlDotNet.Core.Events.ParsingEvent? Current { get; private set; }

        public bool MoveNext()
        {
            Current = _next < events.Count ? events[_next++] : null;
            return Current is not null;
        }
    }

    public LocationInfo At(YamlNode node) =>
        new(_path, (int)Math.Max(1, node.Start.Line), (int)Math.Max(1, node.Start.Column));

    public void Error(YamlNode node, string problem) => Diagnostics.Add(Diagnose.Schema(At(node), problem));

    public YamlMappingNode? AsMap(YamlNode? node, string what)
    {
        if (node is null) return null;
        if (node is YamlMappingNode map) return map;
        Error(node, $"{what} must be a mapping");
        return null;
    }

    public YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var pair in map.Children)
        {
            if (pair.Key is YamlScalarNode k && k.Value == key) return pair.Value;
        }
        return null;
    }

    /// <summary>Reports every key of <paramref name="map"/> not in <paramref name="allowed"/>: typos must not pass silently.</summary>
    public void OnlyKeys(YamlMappingNode map, string what, params string[] allowed)
    {
        foreach (var pair in map.Children)
        {
            var key = (pair.Key as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(allowed, key) < 0)
            {
                Error(pair.Key, $"unknown key '{key}' in {what} (expected one of: {string.Join(", ", allowed)})");
            }
        }
    }

    public string? String(YamlMappingNode map, string key, string what, bool required = true)
    {
        var node = Get(map, key);
        if (node is null)
        {
            if (required) Error(map, $"{what} has no '{key}'");
            return null;
        }
        if (node is YamlScalarNode scalar && !IsNull(scalar)) return scalar.Value;
        if (node is YamlScalarNode)
        {
            // "key:" with nothing after it: absent, which a required key may not be.
            if (required) Error(node, $"'{key}' of {what} has no value");
            return null;
        }
        Error(node, $"'{key}' of {what} must be a single value");
        return null;
    }

    /// <summary>
    /// <paramref name="name"/>, if it is an identifier; otherwise null after a KXG002 at <paramref name="node"/>. Names
    /// become C# code: one that is not an identifier must be refused here, not emitted.
    /// </summary>
    public string? Identifier(YamlNode node, string? name, string what)
    {
        if (name is null || CSharpNames.IsIdentifier(name)) return name;
        Error(node, $"{what} '{name}' is not an identifier (letters, digits and _, not starting with a digit)");
        return null;
    }

    public bool Bool(YamlMappingNode map, string key, string what)
    {
        var text = String(map, key, what, required: false);
        if (text is null) return false;
        if (text == "true") return true;
        if (text == "false") return false;
        Error(Get(map, key)!, $"'{key}' of {what} must be true or false, not '{text}'");
        return false;
    }

    public IEnumerable<YamlNode> Sequence(YamlMappingNode map, string key, string what, bool required = true)
    {
        var node = Get(map, key);
        if (node is null)
        {
            if (required) Error(map, $"{what} has no '{key}'");
            return Enumerable.Empty<YamlNode>();
        }
        if (node is YamlSequenceNode seq) return seq.Children;
        if (node is YamlScalarNode empty && IsNull(empty)) return Enumerable.Empty<YamlNode>(); // "key:" with nothing
        Error(node, $"'{key}' of {what} must be a list");
        return Enumerable.Empty<YamlNode>();
    }

    public IEnumerable<(YamlScalarNode Key, YamlNode Value)> Pairs(YamlMappingNode map, string key, string what, bool required = true)
    {
        var node = Get(map, key);
        if (node is null)
        {
            if (required) Error(map, $"{what} has no '{key}'");
            return Enumerable.Empty<(YamlScalarNode, YamlNode)>();
        }
        if (node is YamlScalarNode empty && IsNull(empty)) return Enumerable.Empty<(YamlScalarNode, YamlNode)>();
        if (node is not YamlMappingNode inner)
        {
            Error(node, $"'{key}' of {what} must be a mapping");
            return Enumerable.Empty<(YamlScalarNode, YamlNode)>();
        }
        return inner.Children.Select(p => ((YamlScalarNode)p.Key, p.Value));
    }

    /// <summary>A single value or a list of values; empty when the key is absent.</summary>
    public List<string> OneOrMany(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        if (node is YamlScalarNode scalar) return IsNull(scalar) ? new List<string>() : new List<string> { scalar.Value! };
        return Strings(map, key, what);
    }

    public List<string> Strings(YamlMappingNode map, string key, string what, bool required = false)
    {
        var list = new List<string>();
        foreach (var item in Sequence(map, key, what, required))
        {
            if (item is YamlScalarNode s && !IsNull(s)) list.Add(s.Value!);
            else Error(item, $"items of '{key}' in {what} must be single values");
        }
        return list;
    }

    /// <summary>A whole number (decimal, or hex with 0x, optionally negative), or null for ~/null.</summary>
    public long? Integer(YamlNode node, string what, out bool ok)
    {
        ok = true;
        if (node is YamlScalarNode scalar)
        {
            if (IsNull(scalar)) return null;
            if (TryParseInteger(scalar.Value!, out long value)) return value;
        }
        ok = false;
        Error(node, $"{what} must be a whole number or null, not '{(node as YamlScalarNode)?.Value ?? node.NodeType.ToString()}'");
        return null;
    }

    public static bool TryParseInteger(string text, out long value)
    {
        text = text.Trim();
        bool negative = text.StartsWith("-", StringComparison.Ordinal);
        if (negative) text = text.Substring(1);
        bool parsed = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(text.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (negative) value = -value;
        return parsed;
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && (scalar.Value is null or "" or "~" or "null");
}
