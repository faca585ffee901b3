using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Boot.Fdt;
using KexecGen.Boot.Arm64;
using KexecGen.Boot.Crash;
using KexecGen.Boot.Elf;
using KexecGen.Boot.X86;
using KexecGen.Interop;

namespace KexecGen.Boot;

/// <summary>Whether an image starts as a format's files do.</summary>
/// <param name="image">The image's bytes (at least its header; any length is safe).</param>
internal delegate bool FormatRecogniser(ReadOnlySpan<byte> image);

/// <summary>A format's loader: the plan of an image for a machine (and, for a crash kernel, the dying kernel).</summary>
internal delegate BootPlan FormatPlanner(ReadOnlyMemory<byte> kernel, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, MachineDescription machine, CrashDescription? crash);

/// <summary>Reads the firmware facts a protocol hands on from the running machine, or null where it has none.</summary>
/// <param name="iomem">/proc/iomem, read once for every reader.</param>
/// <param name="deviceTreePath">The device tree to start from instead of the running kernel's (--dtb), or null.</param>
internal delegate FirmwareFacts? FirmwareReader(IReadOnlyList<IomemEntry> iomem, string? deviceTreePath);

/// <summary>A kernel format of the kexec_load path: how it is recognised, what it reads of the machine, how it is planned.</summary>
/// <param name="Name">Its name, with its article, for messages ("a bzImage").</param>
/// <param name="Recognises">Whether an image is in this format.</param>
/// <param name="Plan">Its loader.</param>
/// <param name="ReadFirmware">The firmware facts its protocol reads (null: none, the image names its own addresses).</param>
/// <param name="EntropyBytes">How many of <see cref="MachineDescription.Entropy"/>'s random bytes its plan consumes (seeds for the new kernel).</param>
/// <param name="FileLoadedBy">The architecture whose kexec_file_load takes this format (its kernel's image loader: kexec-bzimage64.c, kexec_image.c), or null for none.</param>
internal sealed record KernelFormat(string Name, FormatRecogniser Recognises, FormatPlanner Plan, FirmwareReader? ReadFirmware, int EntropyBytes = 0, KexecArch? FileLoadedBy = null)
{
    /// <summary>Whether the image names its own addresses (an ELF executable), so that planning it needs the page size only, not the machine's memory map.</summary>
    public bool PlacedByItself => ReadFirmware is null;
}

/// <summary>The kernel formats the kexec_load path loads, told apart by their headers, each planned by the loader of its room.</summary>
public static class KernelImage
{
    private static readonly FirmwareReader X86Reader = (iomem, _) => X86Firmware.ReadRunning(iomem);
    private static readonly FirmwareReader DeviceTreeReader = (_, dtb) => DeviceTreeFirmware.ReadRunning(dtb);

    // Every format, in the order they are tried. A new boot protocol is a room of its own (a folder under Boot/) and
    // one entry here.
    internal static readonly KernelFormat[] Formats =
    {
        new("a bzImage", BzImage.IsBzImage, BzImage.Plan, X86Reader, SetupDataChain.RngSeedBytes, KexecArch.X86_64),
        new("an arm64 Image", Arm64Image.IsImage, Arm64Image.Plan, DeviceTreeReader, Arm64Image.EntropyBytes, KexecArch.Aarch64),
        new("an arm64 Image.gz", Arm64Image.IsGzip, Arm64Image.PlanCompressed, DeviceTreeReader, Arm64Image.EntropyBytes),
        new("an ELF executable", ElfImage.IsExecutable, ElfImage.Plan, ReadFirmware: null),
    };

    /// <summary>The most random bytes any format's plan consumes: what <see cref="MachineDescription.Entropy"/> must hold.</summary>
    public static int EntropyBytes { get; } = Formats.Max(f => f.EntropyBytes);

    /// <summary>
    /// The format <paramref name="architecture"/>'s kexec_file_load takes, and whether <paramref name="image"/> (its
    /// header at least) is in it; null where no format of this table is the one that architecture's takes.
    /// </summary>
    /// <param name="architecture">The running kernel's architecture (the ABI table's kexec_arch).</param>
    /// <param name="image">The image's first bytes.</param>
    public static (string Name, bool Matches)? FileLoadFormat(KexecArch architecture, ReadOnlySpan<byte> image) =>
        Formats.FirstOrDefault(f => f.FileLoadedBy == architecture) is { } format ? (format.Name, format.Recognises(image)) : null;

    /// <summary>The format of <paramref name="kernel"/>, or null where it is none the kexec_load path knows.</summary>
    internal static KernelFormat? Recognise(ReadOnlySpan<byte> kernel)
    {
        foreach (var format in Formats)
        {
            if (format.Recognises(kernel)) return format;
        }
        return null;
    }

    /// <summary>Plans <paramref name="kernel"/> as a bzImage, an arm64 Image (or Image.gz) or an ELF executable.</summary>
    /// <param name="kernel">The image.</param>
    /// <param name="initrd">The initrd, or null for none.</param>
    /// <param name="commandLine">The command line, or null for none.</param>
    /// <param name="machine">The running machine.</param>
    /// <param name="crash">For a crash kernel (bzImage or Image): the dying kernel's description; null for a normal load.</param>
    /// <exception cref="FormatException">Not one of those formats, or malformed.</exception>
    /// <exception cref="ArgumentException">It does not fit, or an initrd or command line was given for an ELF executable.</exception>
    public static BootPlan Plan(ReadOnlyMemory<byte> kernel, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, MachineDescription machine, CrashDescription? crash = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var format = Recognise(kernel.Span)
            ?? throw new FormatException($"not a kernel the kexec_load path knows: {string.Join(", ", Formats.Take(Formats.Length - 1).Select(f => f.Name))} or {Formats[^1].Name}");
        return format.Plan(kernel, initrd, commandLine, machine, crash);
    }
}
