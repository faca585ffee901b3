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
/// <param name="KernelOptions">Kernel command-line options every kernel booted on the machine needs ("" for none).</param>
internal sealed record QemuTarget(string Emulator, string Package, string[] Board, string KernelOptions = "")
{
    /// <summary>
    /// What an x86 kernel needs under TCG: on a loaded machine the emulated CPU can miss the IO-APIC timer check, and the
    /// kernel then panics at boot ("IO-APIC + timer doesn't work"); no_timer_check skips that check.
    /// </summary>
    public const string X86KernelOptions = "no_timer_check";

    /// <summary>A PC with one CPU and the isa-debug-exit device, so that a payload can end QEMU with a code.</summary>
    public static readonly QemuTarget X86_64 = new("qemu-system-x86_64", "qemu-system-x86",
        new[] { "-smp", "1", "-device", $"isa-debug-exit,iobase=0x{QemuMachine.DebugExitPort:x},iosize=0x04" }, X86KernelOptions);

    /// <summary>The virt board with a Cortex-A57, as Debian's arm64 kernel boots on it (console ttyAMA0).</summary>
    public static readonly QemuTarget Arm64 = new("qemu-system-aarch64", "qemu-system-arm", new[] { "-smp", "1", "-M", "virt", "-cpu", "cortex-a57" });

    /// <summary>
    /// A q35 PC with two CPUs booted by UEFI (OVMF): QEMU's -kernel reaches the kernel's EFI stub through fw_cfg.
    /// <paramref name="variables"/> is this run's own copy of the firmware's variable store, which it writes.
    /// </summary>
    public static QemuTarget X86_64Uefi(UefiVariables variables) =>
        new("qemu-system-x86_64", "qemu-system-x86 " + UefiFirmware.Ovmf.Package, new[] { "-M", "q35", "-smp", "2" }.Concat(variables.Drives(UefiFirmware.Ovmf)).ToArray(), X86KernelOptions);

    /// <summary>
    /// The virt board with two Cortex-A57s booted by UEFI (AAVMF), which gives the kernel ACPI tables (its device tree
    /// then holds only /chosen): QEMU's -kernel reaches the kernel's EFI stub through fw_cfg.
    /// </summary>
    public static QemuTarget Arm64Uefi(UefiVariables variables) =>
        new("qemu-system-aarch64", "qemu-system-arm " + UefiFirmware.Aavmf.Package, new[] { "-M", "virt", "-cpu", "cortex-a57", "-smp", "2" }.Concat(variables.Drives(UefiFirmware.Aavmf)).ToArray());
}

/// <summary>A UEFI firmware for QEMU from a Debian package: its code (read-only flash) and its variable store's template.</summary>
/// <param name="Code">The firmware's code.</param>
/// <param name="VariablesTemplate">The empty variable store each run copies.</param>
/// <param name="Package">The Debian package that has both.</param>
internal sealed record UefiFirmware(string Code, string VariablesTemplate, string Package)
{
    /// <summary>OVMF for x86_64 (Debian's ovmf).</summary>
    public static readonly UefiFirmware Ovmf = new("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", "ovmf");

    /// <summary>AAVMF for arm64 (Debian's qemu-efi-aarch64).</summary>
    public static readonly UefiFirmware Aavmf = new("/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd", "qemu-efi-aarch64");
}

/// <summary>A fresh copy of a UEFI firmware's variable store for one run, deleted when disposed.</summary>
internal sealed class UefiVariables : IDisposable
{
    private readonly UefiFirmware _firmware;

    /// <summary>Copies <paramref name="firmware"/>'s template; says what installs it where it is missing.</summary>
    public UefiVariables(UefiFirmware firmware)
    {
        _firmware = firmware;
        if (!File.Exists(firmware.VariablesTemplate) || !File.Exists(firmware.Code))
            throw new InvalidOperationException($"{firmware.VariablesTemplate} or {firmware.Code} is missing (apt-get install {firmware.Package}; .ci/run does)");
        File.Copy(firmware.VariablesTemplate, Path);
    }

    /// <summary>The copy's path.</summary>
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"kexecgen-uefi-vars-{Guid.NewGuid():N}.fd");

    /// <summary>The two flash drives: the firmware's code read-only, then this copy of its variables.</summary>
    public string[] Drives(UefiFirmware firmware)
    {
        if (firmware != _firmware) throw new ArgumentException($"these variables are {_firmware.Package}'s, not {firmware.Package}'s", nameof(firmware));
        return new[]
        {
            "-drive", $"if=pflash,format=raw,unit=0,readonly=on,file={_firmware.Code}",
            "-drive", $"if=pflash,format=raw,unit=1,file={Path}",
        };
    }

    /// <inheritdoc/>
    public void Dispose() => File.Delete(Path);
}
