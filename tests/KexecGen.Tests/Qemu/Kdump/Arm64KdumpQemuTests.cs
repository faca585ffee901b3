using System;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu.Kdump;

/// <summary>
/// kdump end to end on arm64 (virt, Cortex-A57, Debian's arm64 kernel without kexec_file_load): plain -p falls back to
/// kexec_load, with our Image loader, core header and /chosen.
/// </summary>
[Collection(PublishedTools.Name)]
public class Arm64KdumpQemuTests(Arm64GuestKit kit, Arm64KdumpPrograms built, ITestOutputHelper log) : IClassFixture<Arm64GuestKit>, IClassFixture<Arm64KdumpPrograms>
{
    [Fact]
    public void PlainCrashLoad_FallsBackToKexecLoad_AndReadsTheDeadKernelsPagesBack() =>
        _ = KdumpScenario.Run(kit, built.Programs, QemuTarget.Arm64, "ttyAMA0", "-p", log);
}
