using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// One broken input: which file, how it is broken, and the diagnostic it must give: its id, and its place as a line of
/// the broken file's text, or (<paramref name="PlaceFile"/>) of another input, as it stands, where the diagnostic
/// belongs there (an ABI the headers name that arches.yaml lacks, a layout that contradicts arches.yaml's struct).
/// </summary>
public sealed record MalformedCase(string Name, string File, Func<string, string> Break, string Id, Func<string, int> Line, string? PlaceFile = null)
{
    public override string ToString() => Name;
}
