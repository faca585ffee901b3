using System;
using System.IO;
using System.Linq;
using KexecGen.Boot;
using KexecGen.Boot.Fdt;
using KexecGen.Boot.X86;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>Each boot protocol reads its own firmware facts; the description holds what they read.</summary>
public class MachineDescriptionTests
{
    [Fact]
    public void FirmwareOf_FindsEachProtocolsFacts_AndNullForAProtocolThatReadNone()
    {
        var x86 = new X86Firmware(new byte[4096], new[] { new MemoryRange(0, 0x1000, MemoryMap.SystemRam) });
        var machine = new MachineDescription(Array.Empty<MemoryRange>(), 4096, ReadOnlyMemory<byte>.Empty) { Firmware = [x86] };

        Assert.Same(x86, machine.FirmwareOf<X86Firmware>());
        Assert.Null(machine.FirmwareOf<DeviceTreeFirmware>());
    }

    [Fact]
    public void RunningMachine_ReadsTheX86Facts_AndTheDeviceTreeGiven()
    {
        // This machine is x86_64: it has boot_params and a firmware map, and no /sys/firmware/fdt.
        var dtb = new DeviceTree().ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-{Guid.NewGuid():N}.dtb");
        File.WriteAllBytes(path, dtb);

        var machine = RunningMachine.Describe(path);

        var x86 = machine.FirmwareOf<X86Firmware>();
        Assert.NotNull(x86);
        Assert.Contains(x86.MemoryMap, r => r.Kind == MemoryMap.SystemRam);
        Assert.Equal(File.Exists("/sys/kernel/boot_params/data"), x86.BootParams is not null);
        Assert.Equal(dtb, machine.FirmwareOf<DeviceTreeFirmware>()!.Blob.ToArray());
        Assert.Equal(machine.Firmware.Length, machine.Firmware.Select(f => f.GetType()).Distinct().Count());
        // Fresh entropy for the format that needs the most (an arm64 Image's kaslr-seed and rng-seed).
        Assert.Equal(KernelImage.EntropyBytes, machine.Entropy.Length);
        Assert.True(KernelImage.EntropyBytes >= KexecGen.Boot.Arm64.Arm64Image.EntropyBytes);
        Assert.NotEqual(machine.Entropy.ToArray(), RunningMachine.Describe(path).Entropy.ToArray());
        if (!File.Exists("/sys/firmware/fdt")) Assert.Null(RunningMachine.Describe().FirmwareOf<DeviceTreeFirmware>());
    }
}
