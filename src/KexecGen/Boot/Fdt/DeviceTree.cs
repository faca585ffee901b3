using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;

namespace KexecGen.Boot.Fdt;

/// <summary>One property of a device-tree node: a name and its raw bytes (cells are big-endian).</summary>
/// <param name="Name">The property's name.</param>
/// <param name="Value">Its bytes.</param>
internal sealed record DeviceTreeProperty(string Name, byte[] Value);

/// <summary>A node of a flattened device tree: its name (with unit address), properties in order, and children.</summary>
internal sealed class DeviceTreeNode
{
    /// <summary>Creates an empty node named <paramref name="name"/> ("" for the root).</summary>
    public DeviceTreeNode(string name) => Name = name;

    /// <summary>The node's name with its unit address, e.g. "memory@40000000"; "" for the root.</summary>
    public string Name { get; }

    /// <summary>The properties, in the order the blob gives them.</summary>
    public List<DeviceTreeProperty> Properties { get; } = new();

    /// <summary>The child nodes, in order.</summary>
    public List<DeviceTreeNode> Children { get; } = new();

    /// <summary>The property named <paramref name="name"/>, or null.</summary>
    public DeviceTreeProperty? Property(string name) => Properties.Find(p => p.Name == name);

    /// <summary>The child named <paramref name="name"/>, or null.</summary>
    public DeviceTreeNode? Child(string name) => Children.Find(c => c.Name == name);

    /// <summary>The child named <paramref name="name"/>, added when missing.</summary>
    public DeviceTreeNode GetOrAddChild(string name)
    {
        var child = Child(name);
        if (child is null) Children.Add(child = new DeviceTreeNode(name));
        return child;
    }

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>, in place when it exists, else at the end.</summary>
    public void Set(string name, byte[] value)
    {
        int at = Properties.FindIndex(p => p.Name == name);
        if (at >= 0) Properties[at] = new DeviceTreeProperty(name, value);
        else Properties.Add(new DeviceTreeProperty(name, value));
    }

    /// <summary>Sets a string property (NUL-terminated, as dtc writes them).</summary>
    public void SetString(string name, string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        Set(name, bytes);
    }

    /// <summary>Sets a property of one 64-bit big-endian value (two cells).</summary>
    public void SetUInt64(string name, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        Set(name, bytes);
    }

    /// <summary>Removes <paramref name="name"/>; whether it was there.</summary>
    public bool Remove(string name) => Properties.RemoveAll(p => p.Name == name) > 0;

    /// <summary>The property's value as a string (up to its first NUL), or null when absent.</summary>
    public string? GetString(string name) =>
        Property(name) is { } p ? Encoding.UTF8.GetString(p.Value.AsSpan(0, Math.Max(0, Array.IndexOf(p.Value, (byte)0) is int nul and >= 0 ? nul : p.Value.Length))) : null;

    /// <summary>The property's value as a big-endian number of one or two cells, or null when absent or of another size.</summary>
    public ulong? GetNumber(string name) => Property(name)?.Value switch
    {
        { Length: 4 } v => BinaryPrimitives.ReadUInt32BigEndian(v),
        { Length: 8 } v => BinaryPrimitives.ReadUInt64BigEndian(v),
        _ => null,
    };
}

/// <summary>A memory reservation entry of a flattened device tree (/memreserve/).</summary>
/// <param name="Address">The reserved range's start.</param>
/// <param name="Size">Its size in bytes.</param>
internal readonly record struct MemoryReservation(ulong Address, ulong Size);

/// <summary>
/// A flattened device tree (the Devicetree Specification's DTB: header, memory reservation block, structure block,
/// strings block), read from and written to bytes. Reading treats the bytes as untrusted: every offset and size is
/// checked against the blob before use, so nothing allocated exceeds the input's size.
/// </summary>
internal sealed class DeviceTree
{
    private const uint Magic = 0xd00dfeed;
    private const uint BeginNode = 1, EndNode = 2, Prop = 3, Nop = 4, End = 9;
    private const int HeaderSize = 40;         // ten 32-bit fields, version 17
    private const uint WrittenVersion = 17, LastCompatibleVersion = 16;
    private const int MaxDepth = 64;

    /// <summary>Creates a tree with an empty root.</summary>
    public DeviceTree() : this(new DeviceTreeNode(""), new List<MemoryReservation>(), 0) { }

    private DeviceTree(DeviceTreeNode root, List<MemoryReservation> reservations, uint bootCpu)
    {
        Root = root;
        Reservations = reservations;
        BootCpuId = bootCpu;
    }

    /// <summary>The root node.</summary>
    public DeviceTreeNode Root { get; }

    /// <summary>The memory reservation block's entries.</summary>
    public List<MemoryReservation> Reservations { get; }

    /// <summary>The header's boot_cpuid_phys.</summary>
    public uint BootCpuId { get; set; }

    /// <summary>The node at an absolute path such as "/chosen", or null.</summary>
    public DeviceTreeNode? Find(string path)
    {
        var node = Root;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node.Child(part);
            if (node is null) return null;
        }
        return node;
    }

    /// <summary>Reads a DTB (version 16 or later).</summary>
    /// <exception cref="FormatException">The bytes are not a well-formed flattened device tree; the message says where.</exception>
    public static DeviceTree Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderSize) throw new FormatException($"a device tree blob is at least {HeaderSize} bytes; this one is {blob.Length}");
        var header = blob[..HeaderSize].ToArray();
        uint Header(int field) => BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(field * 4));
        if (Header(0) != Magic) throw new FormatException($"not a device tree blob: magic 0x{Header(0):x8}, expected 0x{Magic:x8}");
        uint total = Header(1), structOffset = Header(2), stringsOffset = Header(3), reserveOffset = Header(4);
        uint version = Header(5), lastCompatible = Header(6), bootCpu = Header(7), stringsSize = Header(8), structSize = Header(9);
        if (total > (uint)blob.Length) throw new FormatException($"the header's totalsize is {total} bytes but the blob has only {blob.Length}");
        if (total < HeaderSize) throw new FormatException($"the header's totalsize {total} is smaller than the header");
        if (lastCompatible > WrittenVersion || version < LastCompatibleVersion)
        {
            throw new FormatException($"device tree version {version} (compatible with {lastCompatible}) is not readable: version 16 or 17 is");
        }
        blob = blob[..(int)total];
        var structBlock = Block(blob, structOffset, structSize, "structure").ToArray();
        var strings = Block(blob, stringsOffset, stringsSize, "strings");
        var reservations = ReadReservations(blob, reserveOffset);
        return new DeviceTree(ReadStructure(structBlock, strings, structOffset), reservations, bootCpu);
    }

    private static ReadOnlySpan<byte> Block(ReadOnlySpan<byte> blob, uint offset, uint size, string what)
    {
        if ((ulong)offset + size > (ulong)blob.Length) throw new FormatException($"the {what} block (offset {offset}, {size} bytes) reaches past totalsize {blob.Length}");
        return blob.Slice((int)offset, (int)size);
    }

    private static List<MemoryReservation> ReadReservations(ReadOnlySpan<byte> blob, uint offset)
    {
        var list = new List<MemoryReservation>();
        for (long at = offset; ; at += 16)
        {
            if (at + 16 > blob.Length) throw new FormatException($"the memory reservation block at offset {offset} has no terminating entry");
            ulong address = BinaryPrimitives.ReadUInt64BigEndian(blob[(int)at..]), size = BinaryPrimitives.ReadUInt64BigEndian(blob[(int)(at + 8)..]);
            if (address == 0 && size == 0) return list;
            list.Add(new MemoryReservation(address, size));
        }
    }

    private static DeviceTreeNode ReadStructure(byte[] block, ReadOnlySpan<byte> strings, uint blockOffset)
    {
        var stack = new Stack<DeviceTreeNode>();
        DeviceTreeNode? root = null;
        int at = 0;
        string Where() => $"structure block offset {blockOffset + (uint)at}";
        uint Word()
        {
            if (at + 4 > block.Length) throw new FormatException($"the structure block ends inside a token at {Where()}");
            uint w = BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(at));
            at += 4;
            return w;
        }
        while (true)
        {
            int tokenAt = at;
            uint token = Word();
            switch (token)
            {
                case BeginNode:
                {
                    int nul = block.AsSpan(at).IndexOf((byte)0);
                    if (nul < 0) throw new FormatException($"a node name at {Where()} has no terminating NUL");
                    var node = new DeviceTreeNode(Encoding.UTF8.GetString(block, at, nul));
                    at = Align4(at + nul + 1);
                    if (stack.Count == 0)
                    {
                        if (root is not null) throw new FormatException($"a second root node at {Where()}");
                        root = node;
                    }
                    else
                    {
                        stack.Peek().Children.Add(node);
                    }
                    if (stack.Count >= MaxDepth) throw new FormatException($"nodes nested deeper than {MaxDepth} at {Where()}");
                    stack.Push(node);
                    break;
                }
                case EndNode:
                    if (stack.Count == 0) throw new FormatException($"an end-node token without a node at {Where()}");
                    stack.Pop();
                    break;
                case Prop:
                {
                    uint length = Word(), nameOffset = Word();
                    if (stack.Count == 0) throw new FormatException($"a property outside any node at {Where()}");
                    if (length > block.Length - at) throw new FormatException($"a property of {length} bytes at {Where()} reaches past the structure block");
                    if (nameOffset >= strings.Length) throw new FormatException($"a property name offset {nameOffset} at {Where()} is outside the strings block");
                    int nul = strings[(int)nameOffset..].IndexOf((byte)0);
                    if (nul < 0) throw new FormatException($"the property name at strings offset {nameOffset} has no terminating NUL");
                    var name = Encoding.UTF8.GetString(strings.Slice((int)nameOffset, nul));
                    stack.Peek().Properties.Add(new DeviceTreeProperty(name, block.AsSpan(at, (int)length).ToArray()));
                    at = Align4(at + (int)length);
                    break;
                }
                case Nop:
                    break;
                case End:
                    if (stack.Count != 0) throw new FormatException($"the structure block ends with {stack.Count} node(s) still open");
                    return root ?? throw new FormatException("the structure block has no root node");
                default:
                    at = tokenAt;
                    throw new FormatException($"unknown token 0x{token:x8} at {Where()}");
            }
            if (at > block.Length) throw new FormatException("the structure block ends inside a token");
        }
    }

    /// <summary>Writes the tree as a version-17 DTB: header, reservations, structure, strings (names shared).</summary>
    public byte[] ToArray()
    {
        var strings = new List<byte>();
        var nameOffsets = new Dictionary<string, int>(StringComparer.Ordinal);
        var structure = new List<byte>();
        void Word(uint w)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b, w);
            structure.AddRange(b.ToArray());
        }
        void Pad()
        {
            while (structure.Count % 4 != 0) structure.Add(0);
        }
        void Node(DeviceTreeNode node)
        {
            Word(BeginNode);
            structure.AddRange(Encoding.UTF8.GetBytes(node.Name));
            structure.Add(0);
            Pad();
            foreach (var p in node.Properties)
            {
                if (!nameOffsets.TryGetValue(p.Name, out int offset))
                {
                    nameOffsets[p.Name] = offset = strings.Count;
                    strings.AddRange(Encoding.UTF8.GetBytes(p.Name));
                    strings.Add(0);
                }
                Word(Prop);
                Word((uint)p.Value.Length);
                Word((uint)offset);
                structure.AddRange(p.Value);
                Pad();
            }
            foreach (var c in node.Children) Node(c);
            Word(EndNode);
        }
        Node(Root);
        Word(End);

        int reserveOffset = HeaderSize;  // 8-byte aligned, as the specification asks
        int structOffset = reserveOffset + (Reservations.Count + 1) * 16;
        int stringsOffset = structOffset + structure.Count;
        int total = stringsOffset + strings.Count;
        var blob = new byte[total];
        var s = blob.AsSpan();
        uint[] header = { Magic, (uint)total, (uint)structOffset, (uint)stringsOffset, (uint)reserveOffset, WrittenVersion, LastCompatibleVersion, BootCpuId, (uint)strings.Count, (uint)structure.Count };
        for (int i = 0; i < header.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(s[(i * 4)..], header[i]);
        for (int i = 0; i < Reservations.Count; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(s[(reserveOffset + i * 16)..], Reservations[i].Address);
            BinaryPrimitives.WriteUInt64BigEndian(s[(reserveOffset + i * 16 + 8)..], Reservations[i].Size);
        }
        structure.CopyTo(blob, structOffset);
        strings.CopyTo(blob, stringsOffset);
        return blob;
    }

    private static int Align4(int value) => (value + 3) & ~3;
}
