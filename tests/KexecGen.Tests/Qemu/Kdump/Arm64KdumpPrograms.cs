using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>The kdump programs built by the aarch64 cross gcc, once for the class.</summary>
public sealed class Arm64KdumpPrograms
{
    internal KdumpPrograms Programs { get; } = KdumpPrograms.Build("aarch64-linux-gnu-gcc");
}
