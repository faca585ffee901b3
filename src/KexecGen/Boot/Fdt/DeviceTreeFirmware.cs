using System;
using System.IO;

namespace KexecGen.Boot.Fdt;

/// <summary>What a device-tree architecture hands on: the tree the firmware (or its EFI stub) gave the running kernel.</summary>
/// <param name="Blob">The flattened device tree (/sys/firmware/fdt, or the one given with --dtb).</param>
public sealed record DeviceTreeFirmware(ReadOnlyMemory<byte> Blob) : FirmwareFacts
{
    private const string FirmwareDeviceTree = "/sys/firmware/fdt";

    /// <summary>The tree at <paramref name="path"/> where given, else the running kernel's; null where there is none.</summary>
    internal static DeviceTreeFirmware? ReadRunning(string? path)
    {
        string? file = path ?? (File.Exists(FirmwareDeviceTree) ? FirmwareDeviceTree : null);
        return file is null ? null : new DeviceTreeFirmware(File.ReadAllBytes(file));
    }
}
