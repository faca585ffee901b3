using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace KexecGen.Tests;

/// <summary>One broken input: which file, how it is broken, and the diagnostic it must give (id, file, line).</summary>
public sealed record MalformedCase(string Name, string File, Func<string, string> Break, string Id, Func<string, int>? Line)
{
    public override string ToString() => Name;
}
