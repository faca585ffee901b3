using System;
using System.Text;

namespace KexecGen.Boot;

/// <summary>
/// The new kernel's command line as the kernel takes it: bytes with no NUL inside (the kernel would stop at the first
/// one and boot with the rest silently dropped). Checked once, where it is made; every loader and kexec_file_load take
/// it as it is, and each checks only its own protocol's length limit against <see cref="Length"/>.
/// </summary>
public sealed class KernelCommandLine : IEquatable<KernelCommandLine>
{
    private readonly byte[] _withNul;

    private KernelCommandLine(byte[] withNul) => _withNul = withNul;

    /// <summary>The command line <paramref name="text"/> in UTF-8.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> contains a NUL character.</exception>
    public static KernelCommandLine FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        EncodeInto(text, bytes);
        return new KernelCommandLine(bytes);
    }

    /// <summary>The command line as bytes, byte for byte (a client's argv is bytes, not necessarily UTF-8).</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> contains a NUL byte.</exception>
    public static KernelCommandLine FromBytes(ReadOnlySpan<byte> bytes)
    {
        RefuseNul(bytes);
        var copy = new byte[bytes.Length + 1];
        bytes.CopyTo(copy);
        return new KernelCommandLine(copy);
    }

    /// <summary>
    /// Encodes <paramref name="text"/> into <paramref name="destination"/> with its NUL, checked as
    /// <see cref="FromString"/> checks it, without allocating: the bytes written (NUL included), or -1 where it does not fit.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> contains a NUL character.</exception>
    internal static int EncodeInto(string text, Span<byte> destination)
    {
        if (destination.IsEmpty || !Encoding.UTF8.TryGetBytes(text, destination[..^1], out int written)) return -1;
        RefuseNul(destination[..written]);
        destination[written] = 0; // the kernel counts the NUL
        return written + 1;
    }

    private static void RefuseNul(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Contains((byte)0))
        {
            throw new ArgumentException("the command line contains a NUL character; the kernel would ignore everything after it");
        }
    }

    /// <summary>Its bytes, without the NUL.</summary>
    public ReadOnlySpan<byte> Bytes => _withNul.AsSpan(0, _withNul.Length - 1);

    /// <summary>Its bytes and the NUL that ends them, as kexec_file_load, boot_params' cmd_line_ptr and /chosen/bootargs take them.</summary>
    public ReadOnlySpan<byte> WithNul => _withNul;

    /// <summary>Its length in bytes, without the NUL: what a protocol's limit (a bzImage's cmdline_size) bounds.</summary>
    public int Length => _withNul.Length - 1;

    /// <summary>Whether it has no bytes.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>This command line and then <paramref name="parameter"/>, a space between (none where this one is empty).</summary>
    /// <exception cref="ArgumentException"><paramref name="parameter"/> contains a NUL character.</exception>
    public KernelCommandLine Append(string parameter)
    {
        var tail = FromString(parameter);
        if (IsEmpty) return tail;
        var joined = new byte[Length + 1 + tail._withNul.Length];
        Bytes.CopyTo(joined);
        joined[Length] = (byte)' ';
        tail._withNul.CopyTo(joined, Length + 1);
        return new KernelCommandLine(joined);
    }

    /// <summary>Its bytes as UTF-8 text, for people (a byte that is not UTF-8 shows as U+FFFD).</summary>
    public override string ToString() => Encoding.UTF8.GetString(Bytes);

    /// <inheritdoc/>
    public bool Equals(KernelCommandLine? other) => other is not null && _withNul.AsSpan().SequenceEqual(other._withNul);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as KernelCommandLine);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_withNul);
        return hash.ToHashCode();
    }
}
