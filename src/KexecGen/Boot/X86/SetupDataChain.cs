using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using KexecGen.Interop;

namespace KexecGen.Boot.X86;

/// <summary>
/// The setup_data chain a bzImage plan hands the new kernel, built once into a segment of its own and linked from
/// hdr.setup_data: a fresh SETUP_RNG_SEED, the memory map's entries beyond the 128 boot_params holds
/// (SETUP_E820_EXT), and on a machine booted by UEFI a SETUP_EFI entry (struct efi_setup_data)
/// with the EFI runtime map after it, which boot_params' efi_info points at — as the kernel's own file loader does
/// (arch/x86/kernel/kexec-bzimage64.c), so that the new kernel maps the runtime services at the same virtual addresses.
/// </summary>
internal static class SetupDataChain
{
    // asm/setup_data.h (uapi); the C reader of the tests names each type by these macros.
    internal const uint SetupE820Ext = 1, SetupEfi = 4, SetupRngSeed = 9;

    /// <summary>Bytes of the new kernel's RNG seed, as the kernel's own file loader gives (RNG_SEED_LENGTH).</summary>
    internal const int RngSeedBytes = 32;

    // struct efi_setup_data (arch/x86/include/asm/efi.h, not uapi): fw_vendor, runtime (unused by the kernel since
    // 5.x, filled as kexec-tools fills it), tables, smbios, reserved[8]: twelve u64 fields. The C reader checks it.
    internal const int EfiSetupDataBytes = 12 * sizeof(ulong);

    // efi_memory_desc_t (UEFI spec; include/linux/efi.h): type, pad, phys_addr, virt_addr, num_pages, attribute.
    internal const int MemoryDescriptorBytes = 40;

    /// <summary>What <see cref="Build"/> made: the segment's bytes, where they go, what they hold, and where the EFI memory map is in them.</summary>
    internal sealed record Chain(byte[] Bytes, ulong Address, string Contents, ulong MemoryMapAddress, int MemoryMapBytes);

    private static unsafe int HeaderBytes => sizeof(SetupData);

    /// <summary>
    /// The chain for a segment <paramref name="place"/> puts somewhere once it knows its size (the links are physical
    /// addresses): the seed, the e820 entries beyond boot_params' table where
    /// there are any, and where <paramref name="efi"/> is given, its SETUP_EFI entry and runtime map. The entries are
    /// linked in that order; the last one's next is 0.
    /// </summary>
    public static Chain Build(Func<int, ulong> place, ReadOnlySpan<byte> seed, EfiFirmware? efi, ReadOnlySpan<BootE820Entry> e820Extended = default)
    {
        if (seed.Length != RngSeedBytes) throw new ArgumentException($"the RNG seed is {RngSeedBytes} bytes, got {seed.Length}");
        var entries = new List<(uint Type, byte[] Payload)> { (SetupRngSeed, seed.ToArray()) };
        var contents = "setup_data (SETUP_RNG_SEED";
        if (!e820Extended.IsEmpty)
        {
            entries.Add((SetupE820Ext, MemoryMarshal.AsBytes(e820Extended).ToArray()));
            contents += $", SETUP_E820_EXT: {e820Extended.Length} more memory map entries";
        }
        if (efi is not null)
        {
            var payload = new byte[EfiSetupDataBytes];
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(0), efi.FirmwareVendor);
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(8), efi.Runtime);
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(16), efi.ConfigTable);
            BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(24), efi.Smbios ?? 0);
            entries.Add((SetupEfi, payload));
            contents += $", SETUP_EFI; the EFI runtime map: {efi.RuntimeMap.Length} regions";
        }
        int chainBytes = 0;
        foreach (var (_, payload) in entries) chainBytes += Align8(HeaderBytes + payload.Length);
        int mapBytes = efi is null ? 0 : efi.RuntimeMap.Length * MemoryDescriptorBytes;
        var bytes = new byte[chainBytes + mapBytes];
        ulong at = place(bytes.Length);
        int offset = 0;
        for (int i = 0; i < entries.Count; i++)
        {
            var (type, payload) = entries[i];
            int next = offset + Align8(HeaderBytes + payload.Length);
            ref var header = ref MemoryMarshal.AsRef<SetupData>(bytes.AsSpan(offset));
            header.Next = i + 1 < entries.Count ? at + (ulong)next : 0;
            header.Type = type;
            header.Len = (uint)payload.Length;
            payload.CopyTo(bytes.AsSpan(offset + HeaderBytes));
            offset = next;
        }
        if (efi is not null)
        {
            foreach (var region in efi.RuntimeMap)
            {
                var d = bytes.AsSpan(offset, MemoryDescriptorBytes);
                BinaryPrimitives.WriteUInt32LittleEndian(d, region.Type);
                BinaryPrimitives.WriteUInt64LittleEndian(d[8..], region.PhysicalAddress);
                BinaryPrimitives.WriteUInt64LittleEndian(d[16..], region.VirtualAddress);
                BinaryPrimitives.WriteUInt64LittleEndian(d[24..], region.Pages);
                BinaryPrimitives.WriteUInt64LittleEndian(d[32..], region.Attribute);
                offset += MemoryDescriptorBytes;
            }
        }
        return new Chain(bytes, at, contents + ")", at + (ulong)chainBytes, mapBytes);
    }

    private static int Align8(int n) => (n + 7) & ~7;
}
