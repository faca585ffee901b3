using System;
using KexecGen.Boot;
using KexecGen.Interop;

namespace KexecGen;

/// <summary>
/// A kernel planned for kexec_load by <see cref="Kexec.PlanImage(string, string?, Boot.KernelCommandLine?, string?, bool)"/>: its plan, and the mapped files the plan's segments
/// read. The plan's bytes are valid until this is disposed.
/// </summary>
public sealed class PlannedImage : IDisposable
{
    private readonly IDisposable _kernel;
    private readonly IDisposable? _initrd;

    internal PlannedImage(BootPlan plan, KexecLoadFlags flags, IDisposable kernel, IDisposable? initrd)
    {
        Plan = plan;
        Flags = flags;
        _kernel = kernel;
        _initrd = initrd;
    }

    /// <summary>The entry point and segments the loader chose.</summary>
    public BootPlan Plan { get; }

    /// <summary>The flags kexec_load is given (<see cref="KexecLoadFlags.OnCrash"/> for a crash kernel); the architecture is the plan's.</summary>
    public KexecLoadFlags Flags { get; }

    /// <summary>Loads <see cref="Plan"/> by kexec_load (<see cref="Kexec.Load(BootPlan, KexecLoadFlags)"/>).</summary>
    /// <exception cref="ArgumentException">A segment breaks the rules kexec_load(2) sets.</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    /// <exception cref="ObjectDisposedException">The files are unmapped already.</exception>
    public void Load()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Kexec.Load(Plan, Flags);
    }

    private bool _disposed;

    /// <summary>Unmaps the kernel and initrd; the plan's bytes are gone after this.</summary>
    public void Dispose()
    {
        _disposed = true;
        _initrd?.Dispose();
        _kernel.Dispose();
    }
}
