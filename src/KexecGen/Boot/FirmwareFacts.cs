namespace KexecGen.Boot;

/// <summary>
/// What a boot protocol reads from the firmware, or from the running kernel, to hand on to the next kernel. Each
/// protocol defines its own in its room (<see cref="X86.X86Firmware"/>, <see cref="Fdt.DeviceTreeFirmware"/>) and
/// reads it itself, so that <see cref="MachineDescription"/> does not grow with every architecture.
/// </summary>
public abstract record FirmwareFacts;
