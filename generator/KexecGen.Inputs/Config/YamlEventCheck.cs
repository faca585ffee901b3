using System;
using System.Collections.Generic;
using System.IO;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace KexecGen.Config;

/// <summary>
/// A YAML text's parser events, each checked as it comes and before any tree is built from them. KexecGen's files use
/// none of YAML's anchors, aliases, tags or complex keys (a list or mapping as a key), so each is refused where it first
/// occurs: an alias is the one way a short file expands into a huge tree (a "billion laughs"), and YamlDotNet hashes a
/// key through every alias in it, so that eleven lines used as a key would hang the build. The rest is bounded by
/// <see cref="InputBounds"/>: nesting (the tree is built recursively: 100,000 open brackets overflow the stack), one
/// value's length, a collection's entries and the file's nodes.
/// </summary>
internal static class YamlEventCheck
{
    /// <summary>
    /// The events of <paramref name="text"/>, all checked; null after the first problem, added to
    /// <paramref name="diagnostics"/>: KXG019 for a bound, KXG002 for what KexecGen's files do not use, KXG001 for a
    /// syntax error.
    /// </summary>
    public static List<ParsingEvent>? Read(string path, string text, List<DiagnosticInfo> diagnostics)
    {
        if (InputBounds.CheckText(path, text) is { } tooLarge)
        {
            diagnostics.Add(tooLarge);
            return null;
        }
        var parser = new Parser(new StringReader(text));
        var events = new List<ParsingEvent>();
        var open = new Stack<Collection>();
        int nodes = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                if (Refusal(path, current, open, ref nodes) is { } refused)
                {
                    diagnostics.Add(refused);
                    return null;
                }
                events.Add(current);
            }
            return events;
        }
        catch (YamlException e)
        {
            // YamlDotNet's messages repeat the position; the location carries it.
            var message = e.InnerException?.Message ?? e.Message;
            diagnostics.Add(Diagnose.YamlSyntax(At(path, e.Start), message));
            return null;
        }
        catch (Exception e)
        {
            // YamlDotNet fails without a position on some unclosed flow collections (InvalidOperationException): the
            // last event it parsed marks the spot.
            var at = events.Count == 0 ? LocationInfo.FileStart(path) : At(path, events[events.Count - 1].Start);
            diagnostics.Add(Diagnose.YamlSyntax(at, $"the YAML does not parse after this point ({e.Message})"));
            return null;
        }
    }

    // A list or mapping being read: how many nodes it holds so far (a mapping's keys and values alike).
    private sealed class Collection(bool mapping)
    {
        public bool IsMapping => mapping;

        public int Children { get; set; }

        // A mapping's children alternate key, value: an even count means the next one is a key.
        public bool NextIsKey => mapping && Children % 2 == 0;

        // A mapping's entry counts from its key, so that the entry past the bound is refused at its key.
        public int Entries => mapping ? (Children + 1) / 2 : Children;
    }

    // The problem with 'current', given the collections open around it; null when there is none. Keeps 'open' and
    // 'nodes' up to date.
    private static DiagnosticInfo? Refusal(string path, ParsingEvent current, Stack<Collection> open, ref int nodes)
    {
        if (current is MappingEnd or SequenceEnd)
        {
            open.Pop();
            return null;
        }
        var parent = open.Count == 0 ? null : open.Peek();
        if (Unused(path, current, parent) is { } unused) return unused;
        if (current is not NodeEvent node) return null; // stream and document starts and ends
        if (parent is not null) parent.Children++;
        if (PastBound(path, node, parent, open.Count, ++nodes) is { } past) return past;
        if (node is MappingStart or SequenceStart) open.Push(new Collection(node is MappingStart));
        return null;
    }

    // What in 'current' KexecGen's files have no use for, as a KXG002; null when it is plain YAML. 'parent' is the
    // collection it stands in.
    private static DiagnosticInfo? Unused(string path, ParsingEvent current, Collection? parent)
    {
        var problem = current switch
        {
            AnchorAlias alias => $"an alias (*{alias.Value}): {WriteItOut}",
            NodeEvent { Anchor.IsEmpty: false } node => $"an anchor (&{node.Anchor}): {WriteItOut}",
            NodeEvent { Tag.IsEmpty: false } node => $"a tag ({node.Tag}): KexecGen's files use no tags; a value takes its type from where it stands",
            MappingStart when parent?.NextIsKey == true => "a mapping as a mapping key (a complex key): KexecGen's keys are names",
            SequenceStart when parent?.NextIsKey == true => "a list as a mapping key (a complex key): KexecGen's keys are names",
            _ => null,
        };
        return problem is null ? null : Diagnose.Schema(At(path, current.Start), problem);
    }

    private const string WriteItOut = "KexecGen's files use no anchors or aliases: write the value out where it is used";

    // The bound 'node' passes, as a KXG019; null when it passes none. It is the file's 'nodes'-th node, in 'parent',
    // inside 'depth' collections.
    private static DiagnosticInfo? PastBound(string path, NodeEvent node, Collection? parent, int depth, int nodes)
    {
        var problem =
            nodes > InputBounds.Nodes ? $"the file has more than {InputBounds.Count(InputBounds.Nodes)} values, lists and mappings"
            : parent is not null && parent.Entries > InputBounds.Entries
                ? $"this {(parent.IsMapping ? "mapping" : "list")} has more than {InputBounds.Count(InputBounds.Entries)} {(parent.IsMapping ? "keys" : "items")}"
            : node is Scalar scalar && scalar.Value.Length > InputBounds.ScalarLength
                ? $"this value has {InputBounds.Count(scalar.Value.Length)} characters, more than {InputBounds.Count(InputBounds.ScalarLength)}"
            : node is MappingStart or SequenceStart && depth == InputBounds.Depth ? $"lists and mappings nest more than {InputBounds.Depth} deep here"
            : null;
        return problem is null ? null : Diagnose.ExceedsBound(At(path, node.Start), problem);
    }

    private static LocationInfo At(string path, Mark mark) => new(path, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));
}
