using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using KexecGen.Boot;
using KexecGen.Interop;
using Microsoft.Win32.SafeHandles;
using KexecGen.Boot.X86;

namespace KexecGen;

/// <summary>
/// Loads a kernel to boot into later, unloads it, tells whether one is loaded, and — only through
/// <see cref="Execute"/> — boots into it. Every failure is a <see cref="KexecException"/>.
/// </summary>
public static partial class Kexec
{
    /// <summary>Command lines up to this many UTF-8 bytes are converted on the stack: no allocation per call.</summary>
    internal const int StackCommandLineBytes = 4096;

    private const string KexecLoadedPath = "/sys/kernel/kexec_loaded";
    private const string CrashLoadedPath = "/sys/kernel/kexec_crash_loaded";

    /// <summary>Loads the kernel at <paramref name="kernelPath"/> by kexec_file_load: the kernel parses (and, if it must, verifies) the image.</summary>
    /// <param name="kernelPath">The kernel image (bzImage, Image, …).</param>
    /// <param name="initrdPath">The initrd, or null for none (KEXEC_FILE_NO_INITRAMFS).</param>
    /// <param name="commandLine">The new kernel's command line, or null for none.</param>
    /// <param name="crash">Load it as the crash kernel, to run when this one panics.</param>
    /// <exception cref="ArgumentException">The command line contains a NUL character, or the kernel refused it (EINVAL) as longer than the image accepts.</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    // The handle overloads take as many parameters, of other types: no call binds differently if one gains an optional one.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027", Justification = "Overloads of equal length, told apart by type")]
    public static void LoadFile(string kernelPath, string? initrdPath = null, string? commandLine = null, bool crash = false)
    {
        using var kernel = File.OpenHandle(kernelPath, FileMode.Open, FileAccess.Read);
        using var initrd = initrdPath is null ? null : File.OpenHandle(initrdPath, FileMode.Open, FileAccess.Read);
        LoadFile(kernel, initrd, commandLine, crash);
    }

    /// <summary>Loads the kernel open in <paramref name="kernel"/> by kexec_file_load. The handles stay the caller's.</summary>
    /// <param name="kernel">The kernel image, open for reading.</param>
    /// <param name="initrd">The initrd, open for reading, or null for none.</param>
    /// <param name="commandLine">The new kernel's command line, or null for none.</param>
    /// <param name="crash">Load it as the crash kernel.</param>
    /// <exception cref="ArgumentException">The command line contains a NUL character, or the kernel refused it (EINVAL) as longer than the image accepts (<see cref="BzImage.CommandLineLimit(SafeFileHandle)"/>).</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    public static void LoadFile(SafeFileHandle kernel, SafeFileHandle? initrd, string? commandLine, bool crash)
    {
        int errno = TryLoadFile(kernel, initrd, commandLine, crash);
        if (errno != 0) throw KexecException.For("kexec_file_load", errno);
    }

    /// <summary>Loads the kernel open in <paramref name="kernel"/> by kexec_file_load, its command line given as bytes. The handles stay the caller's.</summary>
    /// <param name="kernel">The kernel image, open for reading.</param>
    /// <param name="initrd">The initrd, open for reading, or null for none.</param>
    /// <param name="commandLine">The new kernel's command line, or null for none.</param>
    /// <param name="crash">Load it as the crash kernel.</param>
    /// <exception cref="ArgumentException">The kernel refused the command line (EINVAL) as longer than the image accepts (<see cref="BzImage.CommandLineLimit(SafeFileHandle)"/>).</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    public static void LoadFile(SafeFileHandle kernel, SafeFileHandle? initrd, KernelCommandLine? commandLine, bool crash)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        int errno = FileLoadSyscall(kernel, initrd, commandLine is null ? default : commandLine.WithNul, FileLoadFlags(initrd, crash));
        if (CommandLineRefusal(kernel, commandLine?.WithNul.Length, errno) is { } refusal) throw refusal;
        if (errno != 0) throw KexecException.For("kexec_file_load", errno);
    }

    private static KexecFileLoadFlags FileLoadFlags(SafeFileHandle? initrd, bool crash) =>
        (initrd is null ? KexecFileLoadFlags.NoInitramfs : 0) | (crash ? KexecFileLoadFlags.OnCrash : 0);

    /// <summary>kexec_file_load without the exception: 0, or the errno. Allocates nothing for command lines up to <see cref="StackCommandLineBytes"/>.</summary>
    // One pass over the command line to encode it (into the stack, not zeroed first), one over the bytes for a NUL;
    // then the syscall, and nothing else on the way to it.
    [System.Runtime.CompilerServices.SkipLocalsInit]
    internal static int TryLoadFile(SafeFileHandle kernel, SafeFileHandle? initrd, string? commandLine, bool crash)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var flags = FileLoadFlags(initrd, crash);
        if (commandLine is null) return FileLoadSyscall(kernel, initrd, default, flags);
        Span<byte> buffer = stackalloc byte[StackCommandLineBytes + 1];
        int length = KernelCommandLine.EncodeInto(commandLine, buffer);
        ReadOnlySpan<byte> line = length >= 0 ? buffer[..length] : KernelCommandLine.FromString(commandLine).WithNul;
        int errno = FileLoadSyscall(kernel, initrd, line, flags);
        if (CommandLineRefusal(kernel, line.Length, errno) is { } refusal) throw refusal;
        return errno;
    }

    /// <summary>
    /// Where kexec_file_load answered EINVAL and the command line (<paramref name="lengthWithNul"/> bytes) is longer
    /// than the bzImage in <paramref name="kernel"/> takes, the clear reason; else null. The image's setup header is
    /// read only after an EINVAL, so that the success path stays one syscall.
    /// </summary>
    internal static ArgumentException? CommandLineRefusal(SafeFileHandle kernel, int? lengthWithNul, int errno)
    {
        if (errno != Errno.EINVAL || lengthWithNul is not { } length) return null;
        if (BzImage.CommandLineLimit(kernel) is not { } limit || length <= limit) return null;
        return new ArgumentException(
            $"the command line is {length} bytes with its NUL; this bzImage takes at most {limit} (its setup header's cmdline_size less the room the kernel keeps for elfcorehdr=), and the kernel refused it with EINVAL",
            "commandLine");
    }

    // kexec_file_load itself, with the command line as bytes ending in its NUL (empty for none): 0 or the errno.
    private static int FileLoadSyscall(SafeFileHandle kernel, SafeFileHandle? initrd, ReadOnlySpan<byte> commandLine, KexecFileLoadFlags flags)
    {
        bool kernelRef = false, initrdRef = false;
        try
        {
            kernel.DangerousAddRef(ref kernelRef);
            initrd?.DangerousAddRef(ref initrdRef);
            int kernelFd = (int)kernel.DangerousGetHandle();
            int initrdFd = initrd is null ? -1 : (int)initrd.DangerousGetHandle();
            nint result;
            unsafe
            {
                fixed (byte* line = commandLine)
                {
                    result = Syscalls.KexecFileLoad(kernelFd, initrdFd, (nuint)commandLine.Length, commandLine.IsEmpty ? null : line, flags);
                }
            }
            return result < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
        finally
        {
            if (initrdRef) initrd!.DangerousRelease();
            if (kernelRef) kernel.DangerousRelease();
        }
    }

    /// <summary>Loads an image from segments by kexec_load; they are checked before the syscall.</summary>
    /// <param name="entry">The physical address the new kernel starts at.</param>
    /// <param name="segments">At most KEXEC_SEGMENT_MAX pieces, page-aligned, not overlapping.</param>
    /// <param name="flags">Load flags (<see cref="KexecLoadFlags.OnCrash"/> for a crash kernel).</param>
    /// <param name="architecture">The image's architecture; <see cref="KexecArch.Default"/> for the running kernel's.</param>
    /// <exception cref="ArgumentException">A segment breaks the rules kexec_load(2) sets.</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    public static void Load(ulong entry, IReadOnlyList<KexecSegmentSource> segments, KexecLoadFlags flags = 0, KexecArch architecture = KexecArch.Default)
    {
        ArgumentNullException.ThrowIfNull(segments);
        SegmentRules.Check(segments, (ulong)Environment.SystemPageSize);
        var pins = new MemoryHandle[segments.Count];
        try
        {
            unsafe
            {
                var native = stackalloc KexecSegment[KexecConstants.KEXEC_SEGMENT_MAX];
                for (int i = 0; i < segments.Count; i++)
                {
                    pins[i] = segments[i].Buffer.Pin();
                    native[i] = new KexecSegment
                    {
                        Buffer = (nint)pins[i].Pointer,
                        BufferSize = (nuint)segments[i].Buffer.Length,
                        Memory = (nint)segments[i].Destination,
                        MemorySize = (nuint)segments[i].MemorySize,
                    };
                }
                var all = (KexecLoadFlags)((uint)flags | (uint)architecture);
                if (Syscalls.KexecLoad((nuint)entry, (nuint)segments.Count, native, all) < 0)
                {
                    throw KexecException.For("kexec_load", Marshal.GetLastPInvokeError());
                }
            }
        }
        finally
        {
            foreach (var pin in pins) pin.Dispose();
        }
    }

    /// <summary>Unloads the loaded kernel (or crash kernel): by kexec_file_load, or by kexec_load where the kernel lacks that.</summary>
    /// <param name="crash">Unload the crash kernel instead.</param>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    public static unsafe void Unload(bool crash = false)
    {
        var fileFlags = KexecFileLoadFlags.Unload | (crash ? KexecFileLoadFlags.OnCrash : 0);
        if (Syscalls.KexecFileLoad(-1, -1, 0, null, fileFlags) >= 0) return;
        int errno = Marshal.GetLastPInvokeError();
        if (errno != Errno.ENOSYS) throw KexecException.For("kexec_file_load", errno);
        // kexec_load with no segments unloads.
        if (Syscalls.KexecLoad(0, 0, null, crash ? KexecLoadFlags.OnCrash : 0) < 0)
        {
            throw KexecException.For("kexec_load", Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Whether a kernel is loaded for <see cref="Execute"/> (/sys/kernel/kexec_loaded).</summary>
    public static bool IsLoaded => ReadFlag(KexecLoadedPath);

    /// <summary>Whether a crash kernel is loaded (/sys/kernel/kexec_crash_loaded).</summary>
    public static bool IsCrashLoaded => ReadFlag(CrashLoadedPath);

    /// <summary>
    /// Loads a bzImage, an arm64 Image (or Image.gz) or an ELF executable by kexec_load, through this library's own
    /// loaders: <see cref="PlanImage(string, string?, KernelCommandLine?, string?, bool)"/>, then <see cref="PlannedImage.Load"/>.
    /// </summary>
    /// <param name="kernelPath">The kernel image.</param>
    /// <param name="initrdPath">The initrd, or null for none.</param>
    /// <param name="commandLine">The new kernel's command line, or null for none.</param>
    /// <param name="deviceTreePath">arm64: the device tree to start from instead of /sys/firmware/fdt.</param>
    /// <param name="crash">Load it as the crash kernel: into the crashkernel= reservation, with a core header of this kernel (<see cref="RunningMachine.DescribeCrash"/>).</param>
    /// <exception cref="FormatException">The image, device tree or memory map is malformed, or (crash) nothing is reserved for a crash kernel.</exception>
    /// <exception cref="ArgumentException">Something does not fit in RAM, or the command line is refused.</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    public static void LoadImage(string kernelPath, string? initrdPath = null, string? commandLine = null, string? deviceTreePath = null, bool crash = false)
    {
        using var image = PlanImage(kernelPath, initrdPath, commandLine is null ? null : KernelCommandLine.FromString(commandLine), deviceTreePath, crash);
        image.Load();
    }

    /// <summary>
    /// The one way from files to a kexec_load: maps the kernel and initrd (not copied), describes this machine and
    /// plans the segments (<see cref="RunningMachine.Plan"/>). Nothing is loaded until <see cref="PlannedImage.Load"/>;
    /// a dry run reads <see cref="PlannedImage.Plan"/> instead. Dispose it after loading: the plan's bytes are the mapped files.
    /// </summary>
    /// <param name="kernelPath">The kernel image.</param>
    /// <param name="initrdPath">The initrd, or null for none.</param>
    /// <param name="commandLine">The new kernel's command line, or null for none.</param>
    /// <param name="deviceTreePath">arm64: the device tree to start from instead of /sys/firmware/fdt.</param>
    /// <param name="crash">Plan a crash kernel: into the crashkernel= reservation, with a core header of this kernel.</param>
    /// <exception cref="FormatException">The image, device tree or memory map is malformed, or (crash) nothing is reserved for a crash kernel.</exception>
    /// <exception cref="ArgumentException">Something does not fit in RAM, or the command line is too long for the image.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0027", Justification = "Overloads of equal length, told apart by type")]
    public static PlannedImage PlanImage(string kernelPath, string? initrdPath, KernelCommandLine? commandLine, string? deviceTreePath = null, bool crash = false) =>
        Plan(MappedFile.Open(kernelPath), initrdPath is null ? null : () => MappedFile.Open(initrdPath), commandLine, deviceTreePath, crash);

    /// <summary>
    /// <see cref="PlanImage(string, string?, KernelCommandLine?, string?, bool)"/> of files already open (opened by a
    /// path of any bytes, or checked first): the handles stay open. A file whose size the kernel does not report (a
    /// block device) is read to its end.
    /// </summary>
    /// <param name="kernel">The kernel image.</param>
    /// <param name="initrd">The initrd, or null for none.</param>
    /// <param name="commandLine">The new kernel's command line, or null for none.</param>
    /// <param name="deviceTreePath">arm64: the device tree to start from instead of /sys/firmware/fdt; null for that.</param>
    /// <param name="crash">Plan a crash kernel: into the crashkernel= reservation, with a core header of this kernel.</param>
    /// <exception cref="FormatException">The image, device tree or memory map is malformed, or (crash) nothing is reserved for a crash kernel.</exception>
    /// <exception cref="ArgumentException">Something does not fit in RAM, or the command line is too long for the image.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static PlannedImage PlanImage(SafeFileHandle kernel, SafeFileHandle? initrd, KernelCommandLine? commandLine, string? deviceTreePath, bool crash) =>
        Plan(MappedFile.Open(kernel), initrd is null ? null : () => MappedFile.Open(initrd), commandLine, deviceTreePath, crash);

    private static PlannedImage Plan(MappedFile kernel, Func<MappedFile>? openInitrd, KernelCommandLine? commandLine, string? deviceTreePath, bool crash)
    {
        MappedFile? initrd = null;
        try
        {
            initrd = openInitrd?.Invoke();
            var plan = RunningMachine.Plan(kernel.Memory, initrd?.Memory, commandLine, deviceTreePath, crash);
            return new PlannedImage(plan, crash ? KexecLoadFlags.OnCrash : 0, kernel, initrd);
        }
        catch
        {
            ((IDisposable?)initrd)?.Dispose();
            ((IDisposable)kernel).Dispose();
            throw;
        }
    }

    /// <summary>Loads a loader's plan by kexec_load, with the plan's architecture.</summary>
    /// <param name="plan">The entry point and segments, from <see cref="KernelImage.Plan"/> or a loader of its own.</param>
    /// <param name="flags">Load flags (<see cref="KexecLoadFlags.OnCrash"/> for a crash kernel).</param>
    /// <exception cref="ArgumentException">A segment breaks the rules kexec_load(2) sets.</exception>
    /// <exception cref="KexecException">The kernel refused; the exception says why.</exception>
    public static void Load(BootPlan plan, KexecLoadFlags flags)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Load(plan.Entry, plan.Sources, flags, plan.Architecture);
    }

    /// <summary>
    /// Boots into the loaded kernel now: reboot(LINUX_REBOOT_CMD_KEXEC). On success it does not return. File systems
    /// are synced first unless <paramref name="syncFileSystems"/> is false; they are not unmounted. No other member of
    /// this library calls reboot(2).
    /// </summary>
    /// <param name="syncFileSystems">Write the page cache back first (sync(2)), as kexec-tools does; false skips it.</param>
    /// <exception cref="InvalidOperationException">/sys/kernel/kexec_loaded says no kernel is loaded: reboot(2) is not called.</exception>
    /// <exception cref="KexecException">The kernel refused: nothing is loaded, or the caller may not reboot.</exception>
    public static void Execute(bool syncFileSystems = true)
    {
        // Where sysfs says nothing is loaded, reboot(2) would only answer EINVAL; say so without calling it.
        if (File.Exists(KexecLoadedPath) && !IsLoaded) throw new InvalidOperationException("no kernel is loaded: load one first");
        if (syncFileSystems) Sync();
        if (Syscalls.Reboot(RebootMagic.Magic1, RebootMagic.Magic2, RebootCommand.Kexec, 0) < 0)
        {
            throw KexecException.For("reboot", Marshal.GetLastPInvokeError());
        }
    }

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();

    private static bool ReadFlag(string path) => File.Exists(path) && File.ReadAllText(path).Trim() == "1";
}
