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
    /// <summary>A PC with one CPU and the isa-debug-exit device, so that a payload can end QEMU with a code.</summary>
    public static readonly QemuTarget X86_64 = new("qemu-system-x86_64", "qemu-system-x86",
        new[] { "-smp", "1", "-device", $"isa-debug-exit,iobase=0x{QemuMachine.DebugExitPort:x},iosize=0x04" });

    /// <summary>The virt board with a Cortex-A57, as Debian's arm64 kernel boots on it (console ttyAMA0).</summary>
    public static readonly QemuTarget Arm64 = new("qemu-system-aarch64", "qemu-system-arm", new[] { "-smp", "1", "-M", "virt", "-cpu", "cortex-a57" });

    /// <summary>The OVMF firmware's code, read-only, from Debian's package ovmf.</summary>
    public const string OvmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd";

    /// <summary>
    /// A q35 PC with two CPUs booted by UEFI (OVMF): QEMU's -kernel reaches the kernel's EFI stub through fw_cfg.
    /// <paramref name="variables"/> is this run's own copy of the firmware's variable store, which it writes.
    /// </summary>
    public static QemuTarget X86_64Uefi(OvmfVariables variables) => new("qemu-system-x86_64", "qemu-system-x86 ovmf", new[]
    {
        "-M", "q35", "-smp", "2",
        "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={OvmfCode}",
        "-drive", $"if=pflash,format=raw,unit=1,file={variables.Path}",
    });
}

/// <summary>A fresh copy of OVMF's variable store (OVMF_VARS_4M.fd) for one run, deleted when disposed.</summary>
internal sealed class OvmfVariables : IDisposable
{
    private const string Template = "/usr/share/OVMF/OVMF_VARS_4M.fd";

    /// <summary>Copies the template; says what installs it where it is missing.</summary>
    public OvmfVariables()
    {
        if (!File.Exists(Template) || !File.Exists(QemuTarget.OvmfCode)) throw new InvalidOperationException($"{Template} or {QemuTarget.OvmfCode} is missing (apt-get install ovmf; .ci/run does)");
        File.Copy(Template, Path);
    }

    /// <summary>The copy's path.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kexecgen-ovmf-vars-{Guid.NewGuid():N}.fd");

    /// <inheritdoc/>
    public void Dispose() => File.Delete(Path);
}
