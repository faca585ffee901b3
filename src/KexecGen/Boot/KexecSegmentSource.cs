using System;

namespace KexecGen.Boot;

/// <summary>One piece of an image for kexec_load(2): bytes to copy to a physical address.</summary>
/// <param name="Buffer">The bytes to copy.</param>
/// <param name="Destination">The physical address to copy them to; page-aligned.</param>
/// <param name="MemorySize">The size of the destination region: page-aligned, at least the buffer's length; the rest is zero-filled.</param>
public readonly record struct KexecSegmentSource(ReadOnlyMemory<byte> Buffer, ulong Destination, ulong MemorySize);
