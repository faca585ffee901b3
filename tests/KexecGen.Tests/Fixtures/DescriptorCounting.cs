using System;
using System.Diagnostics;

namespace KexecGen.Tests;

/// <summary>Tests that count this process's open descriptors: they run alone, so no other test's files are counted.</summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DescriptorCounting
{
    /// <summary>The collection's name.</summary>
    public const string Name = "descriptor counting";
}
