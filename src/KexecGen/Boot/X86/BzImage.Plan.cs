using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using KexecGen.Interop;
using KexecGen.Boot.Crash;

namespace KexecGen.Boot.X86;

public static partial class BzImage
{
    /// <summary>The boot protocol the loader needs: 2.12, which added xloadflags (Documentation/arch/x86/boot.rst).</summary>
    public const ushort MinimumLoaderVersion = 0x020c;

    /// <summary>Where in the protected-mode kernel its 64-bit entry is (boot.rst: "the 64-bit entry point is 0x200").</summary>
    internal const ulong Entry64Offset = 0x200;

    private const ushort Kernel64 = 1 << 0;          // XLF_KERNEL_64
    private const ushort CanBeLoadedAbove4G = 1 << 1; // XLF_CAN_BE_LOADED_ABOVE_4G
    private const ulong Below4G = 1UL << 32;
    private const ulong LowMemoryEnd = 1 << 20;       // nothing below 1 MiB: the BIOS and the kernel's real-mode code live there
    private const byte KexecLoader = 0x0D << 4;       // boot.rst: loader ID 0xD, kexec; the kernel's own file loader gives it too

    // E820 types by the names /sys/firmware/memmap and /proc/iomem give them (arch/x86/include/asm/e820/types.h and
    // firmware_map_add_entry's names; the numbers are the ACPI specification's address range types).
    private static readonly Dictionary<string, uint> E820Types = new(StringComparer.Ordinal)
    {
        ["System RAM"] = 1,
        ["Reserved"] = 2,
        ["reserved"] = 2,
        ["ACPI Tables"] = 3,
        ["ACPI Non-volatile Storage"] = 4,
        ["Unusable memory"] = 5,
        ["Persistent Memory"] = 7,
        ["Persistent Memory (legacy)"] = 12,
        ["Soft Reserved"] = 0xefffffff,
    };

    /// <summary>Whether <paramref name="image"/> has a bzImage setup header ("HdrS").</summary>
    public static bool IsBzImage(ReadOnlySpan<byte> image) => image.Length >= HeaderBytes && image.Slice(MagicOffset, 4).SequenceEqual("HdrS"u8);

    /// <summary>
    /// The kexec_load plan for a 64-bit relocatable bzImage: a pure function of its inputs. The protected-mode kernel
    /// goes to a kernel_alignment-aligned address at or above pref_address with init_size bytes free; boot_params is the
    /// image's setup header on zeroes, with the e820 table, command line and initrd filled in and what the running
    /// kernel's boot_params passes on (screen_info, acpi_rsdp_addr, hardware_subarch); a <see cref="X86Trampoline.Build"/>
    /// enters the kernel's 64-bit entry.
    /// </summary>
    /// <param name="image">The bzImage.</param>
    /// <param name="initrd">The initrd, or null for none.</param>
    /// <param name="commandLine">The command line, or null for none.</param>
    /// <param name="machine">RAM, page size, the firmware's memory map and the running kernel's boot_params.</param>
    /// <param name="crash">
    /// For a crash kernel: the dying kernel's description. Every segment then goes into the crash kernel's reservation,
    /// with an <see cref="ElfCoreHeader"/> (the low 1 MiB left out of it, as the crash kernel is given that memory to
    /// use), "elfcorehdr=" on the command line, and an e820 table, as the kernel's own file loader makes it: the low
    /// 1 MiB of RAM, the ACPI and reserved ranges, and the reservation less the header as RAM.
    /// </param>
    /// <exception cref="FormatException">The image is not a 64-bit relocatable bzImage of protocol 2.12 or later, or is truncated.</exception>
    /// <exception cref="ArgumentException">The command line is too long, or something does not fit in RAM (or the crash kernel's reservation).</exception>
    public static BootPlan Plan(ReadOnlyMemory<byte> image, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, MachineDescription machine, CrashDescription? crash = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        var bytes = image.Span;
        if (!IsBzImage(bytes)) throw new FormatException($"not a bzImage: no \"HdrS\" setup header at offset 0x{MagicOffset:x}");
        if (bytes.Length < At.InitSizeEnd) throw new FormatException($"the bzImage is truncated: {bytes.Length} bytes end inside its setup header");
        // The x86 boot protocol is little-endian, as the machines that boot it: its fields are read in the host's order.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("an x86 bzImage is planned on a little-endian machine");
        var hdr = ImageParameters(bytes).Hdr;
        if (hdr.Version < MinimumLoaderVersion)
        {
            throw new FormatException($"boot protocol {hdr.Version >> 8}.{hdr.Version & 0xff} is older than 2.12, the first with a 64-bit entry this loader can use");
        }
        if ((hdr.Xloadflags & Kernel64) == 0) throw new FormatException("the bzImage has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)");
        if (hdr.RelocatableKernel == 0) throw new FormatException("the bzImage is not relocatable (relocatable_kernel is 0)");
        int setupSectors = hdr.SetupSects == 0 ? 4 : hdr.SetupSects; // boot.rst: 0 means 4
        int setupBytes = (setupSectors + 1) * 512;
        ulong kernelBytes = (ulong)hdr.Syssize * 16;
        if ((ulong)bytes.Length < (ulong)setupBytes + kernelBytes)
        {
            throw new FormatException($"the bzImage is truncated: its header states {setupBytes} bytes of setup and {kernelBytes} of kernel, the file has {bytes.Length}");
        }
        PeImage.CheckComplete(bytes, "bzImage");
        // boot.rst: the header ends at hdr.header plus the jump's second byte.
        int headerEnd = MagicOffset + (hdr.Jump >> 8);
        if (headerEnd > BootParamsSize || headerEnd > setupBytes) throw new FormatException($"the setup header claims to end at 0x{headerEnd:x}, past boot_params");

        ulong alignment = Math.Max(hdr.KernelAlignment, (uint)machine.PageSize);
        if ((alignment & (alignment - 1)) != 0) throw new FormatException($"kernel_alignment 0x{alignment:x} is not a power of two");
        ulong initSize = Math.Max(hdr.InitSize, kernelBytes);
        ulong preferred = hdr.PrefAddress;
        bool above4G = (hdr.Xloadflags & CanBeLoadedAbove4G) != 0;
        ulong initrdMax = above4G ? ulong.MaxValue : (ulong)hdr.InitrdAddrMax + 1;

        var placement = PhysicalPlacement.For(machine, crash);
        // A crash kernel's core header goes first, at the reservation's start, where the kernel's own loader puts it.
        var firmware = machine.FirmwareOf<X86Firmware>() ?? X86Firmware.None;
        IReadOnlyList<MemoryRange> e820 = firmware.MemoryMap;
        var coreHeader = crash is null ? null : placement.PlaceCoreHeader(ElfCoreHeader.Build(crash, new[] { new MemoryRange(0, LowMemoryEnd, "low memory") }));
        if (coreHeader is { Segment: var header })
        {
            commandLine = (commandLine ?? KernelCommandLine.FromString("")).Append($"elfcorehdr=0x{header.Destination:x}");
            e820 = CrashE820(crash!, new MemoryRange(header.Destination, header.Destination + header.MemorySize, "ELF core header"));
        }
        ulong kernel = placement.Place("kernel", initSize, alignment, Math.Max(preferred, LowMemoryEnd), above4G ? ulong.MaxValue : Below4G);
        var segments = new List<PlannedSegment>
        {
            new(new KexecSegmentSource(image.Slice(setupBytes, (int)kernelBytes), kernel, PhysicalPlacement.AlignUp(initSize, machine.PageSize)), "kernel (protected mode, with room for init_size)"),
        };
        if (coreHeader is not null) segments.Add(coreHeader);
        byte[]? line = null;
        if (commandLine is { IsEmpty: false })
        {
            uint most = hdr.CmdlineSize;
            if ((ulong)commandLine.Length > most) throw new ArgumentException($"the command line is {commandLine.Length} bytes{(crash is null ? "" : " with elfcorehdr=")}; this bzImage takes at most {most} (its setup header's cmdline_size)");
            line = commandLine.WithNul.ToArray();
        }
        var (parameters, e820Extended) = BootParameters(bytes[..headerEnd], firmware, e820);
        ref var zeroPage = ref MemoryMarshal.AsRef<BootParams>(parameters.AsSpan());
        if (initrd is { } rd)
        {
            ulong at = placement.Place("initrd", (ulong)rd.Length, machine.PageSize, LowMemoryEnd, initrdMax);
            // A 64-bit value as the protocol splits it: the low half in the setup header, the high half in an ext_ field.
            (zeroPage.Hdr.RamdiskImage, zeroPage.ExtRamdiskImage) = ((uint)at, (uint)(at >> 32));
            (zeroPage.Hdr.RamdiskSize, zeroPage.ExtRamdiskSize) = ((uint)rd.Length, (uint)((ulong)rd.Length >> 32));
            segments.Add(new(new KexecSegmentSource(rd, at, PhysicalPlacement.AlignUp((ulong)rd.Length, machine.PageSize)), "initrd"));
        }
        if (line is not null)
        {
            ulong at = placement.Place("command line", (ulong)line.Length, machine.PageSize, LowMemoryEnd, Below4G);
            (zeroPage.Hdr.CmdLinePtr, zeroPage.ExtCmdLinePtr) = ((uint)at, (uint)(at >> 32));
            segments.Add(new(new KexecSegmentSource(line, at, PhysicalPlacement.AlignUp((ulong)line.Length, machine.PageSize)), "command line"));
        }
        var running = RunningEfi(firmware);
        HandOverSetupData(ref zeroPage, firmware.Efi, running, e820Extended, machine, placement, segments);
        ulong paramsAt = placement.Place("boot_params", (ulong)BootParamsSize, machine.PageSize, LowMemoryEnd, Below4G);
        segments.Add(new(new KexecSegmentSource(parameters, paramsAt, PhysicalPlacement.AlignUp((ulong)BootParamsSize, machine.PageSize)), "boot_params (setup header, e820 table)"));
        ulong trampolineAt = placement.Place("trampoline", X86Trampoline.Size, machine.PageSize, LowMemoryEnd, Below4G);
        segments.Add(new(new KexecSegmentSource(X86Trampoline.Build(trampolineAt, paramsAt, kernel + Entry64Offset), trampolineAt, machine.PageSize),
            "trampoline (GDT, segments, rsi = boot_params, jump to the 64-bit entry)"));
        return new BootPlan(trampolineAt, segments, KexecArch.X86_64) { Notes = WhatTheKernelLacks(firmware.Efi, running) };
    }

    private static unsafe int BootParamsSize => sizeof(BootParams);

    // The image's first bytes as boot_params (zeroes past its end): its setup header is at hdr's place.
    private static BootParams ImageParameters(ReadOnlySpan<byte> image)
    {
        var start = new byte[BootParamsSize];
        image[..Math.Min(image.Length, start.Length)].CopyTo(start);
        return MemoryMarshal.Read<BootParams>(start);
    }

    // boot_params from zero plus the image's setup header, and what the running kernel passes on.
    private static (byte[] Parameters, BootE820Entry[] Extended) BootParameters(ReadOnlySpan<byte> setupHeader, X86Firmware firmware, IReadOnlyList<MemoryRange> memoryMap)
    {
        var parameters = new byte[BootParamsSize];
        // The setup header is copied to its own place in boot_params.
        setupHeader[At.Header..].CopyTo(parameters.AsSpan(At.Header));
        ref var zeroPage = ref MemoryMarshal.AsRef<BootParams>(parameters.AsSpan());
        zeroPage.Hdr.TypeOfLoader = KexecLoader;
        // As the kernel's own file loader: no QUIET_FLAG, no CAN_USE_HEAP (the heap is the real-mode setup code's, which
        // the 64-bit entry skips); LOADED_HIGH is the image telling a loader where it goes, not read at that entry.
        zeroPage.Hdr.Loadflags = 0;
        if (firmware.BootParams is { } running && running.Length >= BootParamsSize)
        {
            var current = MemoryMarshal.Read<BootParams>(running.Span);
            zeroPage.ScreenInfo = current.ScreenInfo;
            zeroPage.AcpiRsdpAddr = current.AcpiRsdpAddr;
            zeroPage.Hdr.HardwareSubarch = current.Hdr.HardwareSubarch;
            zeroPage.Hdr.HardwareSubarchData = current.Hdr.HardwareSubarchData;
        }
        // A kernel the EFI stub booted finds ACPI through the EFI configuration table and leaves acpi_rsdp_addr 0; a
        // kernel given no EFI must be told where the RSDP is, or it boots without ACPI (and with one CPU).
        if (zeroPage.AcpiRsdpAddr == 0 && firmware.Efi?.AcpiRsdp is { } rsdp)
        {
            zeroPage.AcpiRsdpAddr = rsdp;
        }
        var e820 = memoryMap.Where(r => E820Types.ContainsKey(r.Kind)).OrderBy(r => r.Start)
            .Select(r => new BootE820Entry { Addr = r.Start, Size = r.Size, Type = E820Types[r.Kind] }).ToArray();
        // boot_params holds the first entries; the rest go to a SETUP_E820_EXT entry of the setup_data chain.
        Span<BootE820Entry> table = zeroPage.E820Table;
        int inTable = Math.Min(e820.Length, Math.Min(table.Length, byte.MaxValue));
        zeroPage.E820Entries = (byte)inTable;
        e820.AsSpan(0, inTable).CopyTo(table);
        return (parameters, e820[inTable..]);
    }

    // The setup_data chain in a segment of its own, below 4 GiB as boot_params is, linked from hdr.setup_data; and, where
    // EFI is handed over, efi_info as the kernel's own file loader fills it: the running kernel's signature, system
    // table and descriptor version, the runtime map (in the chain's segment) as the memory map.
    private static void HandOverSetupData(ref BootParams zeroPage, EfiFirmware? efiFacts, (EfiInfo Info, byte SecureBoot)? running,
        BootE820Entry[] e820Extended, MachineDescription machine, PhysicalPlacement placement, List<PlannedSegment> segments)
    {
        if (machine.Entropy.Length < SetupDataChain.RngSeedBytes) throw new ArgumentException($"the plan needs {SetupDataChain.RngSeedBytes} random bytes, got {machine.Entropy.Length}");
        // EFI is handed over only where the running kernel's efi_info can be (RunningEfi), which needs its facts.
        var efi = running is null ? null : efiFacts;
        var chain = SetupDataChain.Build(size => placement.Place("setup_data", (ulong)size, machine.PageSize, LowMemoryEnd, Below4G),
            machine.Entropy.Span[..SetupDataChain.RngSeedBytes], efi, e820Extended);
        zeroPage.Hdr.SetupData = chain.Address;
        if (running is { } current)
        {
            zeroPage.EfiInfo = current.Info with
            {
                EfiMemdescSize = SetupDataChain.MemoryDescriptorBytes,
                EfiMemmap = (uint)chain.MemoryMapAddress,
                EfiMemmapHi = (uint)(chain.MemoryMapAddress >> 32),
                EfiMemmapSize = (uint)chain.MemoryMapBytes,
            };
            zeroPage.SecureBoot = current.SecureBoot;
        }
        segments.Add(new(new KexecSegmentSource(chain.Bytes, chain.Address, PhysicalPlacement.AlignUp((ulong)chain.Bytes.Length, machine.PageSize)), chain.Contents));
    }

    // The running kernel's efi_info and secure_boot where EFI can be handed over: it booted by UEFI with runtime
    // services (a memory map in efi_info) and the kernel exposes their map (/sys/firmware/efi/runtime-map); else null.
    private static (EfiInfo Info, byte SecureBoot)? RunningEfi(X86Firmware firmware)
    {
        if (firmware.Efi is not { RuntimeMap.IsEmpty: false } || firmware.BootParams is not { } running || running.Length < BootParamsSize) return null;
        var current = MemoryMarshal.Read<BootParams>(running.Span);
        return current.EfiInfo.EfiMemmapSize == 0 || current.EfiInfo.EfiLoaderSignature == 0 ? null : (current.EfiInfo, current.SecureBoot);
    }

    // What the new kernel will not get from this machine's firmware, for the user to read before executing it.
    private static ImmutableArray<string> WhatTheKernelLacks(EfiFirmware? efi, (EfiInfo, byte)? running) => efi is null || running is not null
        ? ImmutableArray<string>.Empty
        : ImmutableArray.Create("this machine booted by UEFI, but the running kernel exposes no EFI runtime map (/sys/firmware/efi/runtime-map: booted with noefi or efi=noruntime, or built without CONFIG_EFI_RUNTIME_MAP): the new kernel gets ACPI but no EFI runtime services");

    // What the crash kernel keeps of the running kernel's /proc/iomem besides RAM (arch/x86/kernel/crash.c:
    // IORES_DESC_ACPI_TABLES, IORES_DESC_ACPI_NV_STORAGE and IORES_DESC_RESERVED), by their names there.
    private static readonly string[] CrashKeeps = { "ACPI Tables", "ACPI Non-volatile Storage", "Reserved" };

    // The crash kernel's memory map, as arch/x86/kernel/crash.c makes it for the kernel's own file loader, from the
    // running kernel's /proc/iomem: the System RAM of the low 1 MiB, the ACPI, NVS and reserved ranges, and the
    // reservation less the core header as RAM, so that the crash kernel runs there and nowhere else.
    private static IReadOnlyList<MemoryRange> CrashE820(CrashDescription crash, MemoryRange header)
    {
        var low = MemoryMap.Subtract(crash.SystemRam, new[] { new MemoryRange(LowMemoryEnd, ulong.MaxValue, "") });
        // A range nested in another kept one (a "Reserved" inside a "Reserved") is covered by it: once is enough.
        var kept = new List<MemoryRange>();
        foreach (var r in crash.OtherResources.Where(r => CrashKeeps.Contains(r.Kind, StringComparer.Ordinal)).OrderBy(r => r.Start).ThenByDescending(r => r.Size))
        {
            if (!kept.Any(k => k.Start <= r.Start && r.End <= k.End)) kept.Add(r);
        }
        var reservation = MemoryMap.Subtract(crash.CrashKernel.Select(r => r with { Kind = MemoryMap.SystemRam }), new[] { header });
        return low.Concat(kept).Concat(reservation).OrderBy(r => r.Start).ToList();
    }
}
