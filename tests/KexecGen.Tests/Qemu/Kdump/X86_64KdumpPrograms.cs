using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>The kdump programs built by the host gcc, and each load's console, once for the class.</summary>
public sealed class X86_64KdumpPrograms
{
    internal KdumpPrograms Programs { get; } = KdumpPrograms.Build("gcc");

    /// <summary>Each kdump run's console by load flags: one run serves every test that reads it.</summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<string, string> Consoles { get; } = new(StringComparer.Ordinal);
}
