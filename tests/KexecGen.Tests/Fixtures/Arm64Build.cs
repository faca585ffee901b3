using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The kexec tool published with NativeAOT for linux-arm64, once for the class.</summary>
public sealed class Arm64Build
{
    public string Binary { get; }

    public Arm64Build() => Binary = PublishedTools.Kexec("linux-arm64", "needs clang, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, which .ci/run installs");
}
