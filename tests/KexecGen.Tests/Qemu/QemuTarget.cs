using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace KexecGen.Tests.Qemu;

/// <summary>What differs between the emulated machines the tests boot: the emulator and its board.</summary>
/// <param name="Emulator">The qemu-system binary.</param>
/// <param name="Package">The Debian package that has it.</param>
/// <param name="Board">Machine, CPU and device arguments.</param>
internal sealed record QemuTarget(string Emulator, string Package, string[] Board)
{
    /// <summary>A PC with the isa-debug-exit device, so that a payload can end QEMU with a code.</summary>
    public static readonly QemuTarget X86_64 = new("qemu-system-x86_64", "qemu-system-x86",
        new[] { "-device", $"isa-debug-exit,iobase=0x{QemuMachine.DebugExitPort:x},iosize=0x04" });

    /// <summary>The virt board with a Cortex-A57, as Debian's arm64 kernel boots on it (console ttyAMA0).</summary>
    public static readonly QemuTarget Arm64 = new("qemu-system-aarch64", "qemu-system-arm", new[] { "-M", "virt", "-cpu", "cortex-a57" });
}
