using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;

namespace KexecGen.Boot.Fdt;

/// <summary>
/// The /chosen node a kexec'd kernel reads on every device-tree architecture (arm64 today; riscv64 and loongarch read
/// the same properties): its command line, its initrd, fresh seeds, and a crash kernel's core header and memory.
/// </summary>
internal static class Chosen
{
    /// <summary>Size of /chosen/rng-seed, as the kernel's own file loaders write it (RNG_SEED_SIZE).</summary>
    public const int RngSeedBytes = 128;

    /// <summary>Random bytes <see cref="Set"/> consumes: 8 for kaslr-seed, then <see cref="RngSeedBytes"/> for rng-seed.</summary>
    public const int EntropyBytes = 8 + RngSeedBytes;

    // A root cell count: the property when it is one cell, else the Devicetree Specification's default.
    private static int Cells(DeviceTreeNode root, string name, int fallback) =>
        root.GetNumber(name) is { } n && root.Property(name)!.Value.Length == 4 && n is 1 or 2 ? (int)n : fallback;

    // (address, size) pairs as a reg-style property of the given cell counts (big-endian 32-bit cells).
    private static byte[] RegCells(IEnumerable<(ulong Address, ulong Size)> pairs, int addressCells, int sizeCells)
    {
        var bytes = new List<byte>();
        foreach (var (address, size) in pairs)
        {
            foreach (var (value, cells) in new[] { (address, addressCells), (size, sizeCells) })
            {
                if (cells == 1 && value > uint.MaxValue) throw new ArgumentException($"0x{value:x} does not fit the device tree's single cell");
                var buffer = new byte[cells * 4];
                if (cells == 2) BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
                else BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)value);
                bytes.AddRange(buffer);
            }
        }
        return bytes.ToArray();
    }

    /// <summary>
    /// /chosen as the new kernel should see it, as the kernel's own arm64 file loader leaves it: bootargs, the
    /// initrd's range (or none), fresh seeds, and for a crash kernel where its core header is (linux,elfcorehdr) and
    /// which memory it may use (linux,usable-memory-range), in the root's cell sizes; for any other kernel neither.
    /// </summary>
    public static void Set(DeviceTree tree, KernelCommandLine? commandLine, (ulong Start, ulong End)? initrd, ReadOnlySpan<byte> entropy,
        KexecSegmentSource? coreHeader = null, IReadOnlyList<MemoryRange>? usable = null)
    {
        var chosen = tree.Root.GetOrAddChild("chosen");
        if (commandLine is not { IsEmpty: false }) chosen.Remove("bootargs");
        else chosen.Set("bootargs", commandLine.WithNul.ToArray());
        if (initrd is { } range)
        {
            chosen.SetUInt64("linux,initrd-start", range.Start);
            chosen.SetUInt64("linux,initrd-end", range.End);
        }
        else
        {
            chosen.Remove("linux,initrd-start");
            chosen.Remove("linux,initrd-end");
        }
        chosen.Set("kaslr-seed", entropy[..8].ToArray());
        chosen.Set("rng-seed", entropy.Slice(8, RngSeedBytes).ToArray());
        if (coreHeader is { } header && usable is not null)
        {
            int addressCells = Cells(tree.Root, "#address-cells", 2), sizeCells = Cells(tree.Root, "#size-cells", 1);
            chosen.Set("linux,elfcorehdr", RegCells(new[] { (header.Destination, header.MemorySize) }, addressCells, sizeCells));
            chosen.Set("linux,usable-memory-range", RegCells(usable.Select(r => (r.Start, r.Size)), addressCells, sizeCells));
        }
        else
        {
            chosen.Remove("linux,elfcorehdr");
            chosen.Remove("linux,usable-memory-range");
        }
    }
}
