using System;

namespace KexecGen.Boot;

/// <summary>One piece of an image for <see cref="Kexec.Load(ulong, System.Collections.Generic.IReadOnlyList{KexecSegmentSource}, KexecGen.Interop.KexecLoadFlags, KexecGen.Interop.KexecArch)"/>: bytes to copy to a physical address.</summary>
/// <param name="Buffer">The bytes to copy.</param>
/// <param name="Destination">The physical address to copy them to; page-aligned.</param>
/// <param name="MemorySize">The size of the destination region: page-aligned, at least the buffer's length; the rest is zero-filled.</param>
public readonly record struct KexecSegmentSource(ReadOnlyMemory<byte> Buffer, ulong Destination, ulong MemorySize);
