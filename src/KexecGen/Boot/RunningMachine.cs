using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using KexecGen.Boot.Crash;

namespace KexecGen.Boot;

/// <summary>
/// Describes the machine this process runs on, for the loaders: /proc/iomem, the crash files of /sys, and, through each
/// format's reader in its protocol's room, the firmware facts that protocol hands on. The planners read no file.
/// </summary>
public static partial class RunningMachine
{
    private const string Iomem = "/proc/iomem";

    /// <summary>
    /// <see cref="KernelImage.Plan"/> of <paramref name="kernel"/> for this machine. An ELF executable is placed at its
    /// own addresses: it needs only the page size (so no root for /proc/iomem) and gets no core header. Any other image
    /// gets the whole description, and, for a crash kernel, <see cref="DescribeCrash"/>; /proc/iomem is read once.
    /// </summary>
    /// <param name="kernel">The kernel image.</param>
    /// <param name="initrd">The initrd, or null for none.</param>
    /// <param name="commandLine">The command line, or null for none.</param>
    /// <param name="deviceTreePath">arm64: the device tree to start from instead of /sys/firmware/fdt.</param>
    /// <param name="crash">Plan a crash kernel: into the crashkernel= reservation, with a core header of this kernel.</param>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file is root's only.</exception>
    /// <exception cref="FormatException">The image or a file of /proc or /sys is malformed, or (crash) nothing is reserved.</exception>
    /// <exception cref="ArgumentException">The plan does not fit, or the command line is refused.</exception>
    public static BootPlan Plan(ReadOnlyMemory<byte> kernel, ReadOnlyMemory<byte>? initrd, KernelCommandLine? commandLine, string? deviceTreePath = null, bool crash = false)
    {
        if (KernelImage.Recognise(kernel.Span) is not { ReadFirmware: { } readFirmware })
        {
            // An ELF executable, or no format at all (KernelImage.Plan says which formats it knows): no file is read.
            return KernelImage.Plan(kernel, initrd, commandLine, new MachineDescription(Array.Empty<MemoryRange>(), (ulong)Environment.SystemPageSize, ReadOnlyMemory<byte>.Empty));
        }
        var iomem = ReadIomem();
        return KernelImage.Plan(kernel, initrd, commandLine, DescribeFrom(iomem, new[] { readFirmware }, deviceTreePath), crash ? DescribeCrashFrom(iomem) : null);
    }

    /// <summary>
    /// The running machine's description, with the firmware facts of every protocol whose files it has;
    /// <paramref name="deviceTreePath"/> replaces /sys/firmware/fdt when given.
    /// </summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file is root's only.</exception>
    /// <exception cref="FormatException">/proc/iomem or /sys/firmware/memmap is malformed, or shows no RAM.</exception>
    public static MachineDescription Describe(string? deviceTreePath = null) =>
        DescribeFrom(ReadIomem(), KernelImage.Formats.Select(f => f.ReadFirmware).OfType<FirmwareReader>().Distinct(), deviceTreePath);

    private static MachineDescription DescribeFrom(IReadOnlyList<IomemEntry> iomem, IEnumerable<FirmwareReader> readers, string? deviceTreePath) =>
        new(MemoryMap.UsableRam(iomem), (ulong)Environment.SystemPageSize, Entropy(KernelImage.EntropyBytes))
        {
            // Two formats of one protocol share its facts: each kind is read once.
            Firmware = readers.Select(read => read(iomem, deviceTreePath)).OfType<FirmwareFacts>().DistinctBy(f => f.GetType()).ToImmutableArray(),
        };

    /// <summary>
    /// What a crash kernel must be told about this one: /proc/iomem's System RAM and "Crash kernel" ranges, each
    /// possible CPU's crash_notes, /sys/kernel/vmcoreinfo, and /proc/kcore's header (root only).
    /// </summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file is root's only.</exception>
    /// <exception cref="FormatException">A file is malformed, or no memory is reserved for a crash kernel.</exception>
    public static CrashDescription DescribeCrash() => DescribeCrashFrom(ReadIomem());

    private static CrashDescription DescribeCrashFrom(IReadOnlyList<IomemEntry> iomem)
    {
        var crash = MemoryMap.CrashKernel(iomem);
        if (crash.Count == 0) throw new FormatException("no memory is reserved for a crash kernel (no \"Crash kernel\" in /proc/iomem): boot with crashkernel=");
        var notes = new List<NoteRange>();
        foreach (int cpu in CrashSysfs.ParseCpuList(File.ReadAllText("/sys/devices/system/cpu/possible")))
        {
            var dir = $"/sys/devices/system/cpu/cpu{cpu}";
            if (!File.Exists(dir + "/crash_notes")) continue; // a possible CPU never brought up has no notes yet
            notes.Add(new NoteRange(
                CrashSysfs.ParseNoteAddress(File.ReadAllText(dir + "/crash_notes"), dir + "/crash_notes"),
                CrashSysfs.ParseDecimal(File.ReadAllText(dir + "/crash_notes_size"), dir + "/crash_notes_size")));
        }
        var vmcoreinfo = CrashSysfs.ParseVmcoreInfo(File.ReadAllText("/sys/kernel/vmcoreinfo"));
        var ram = iomem.Where(e => e.Depth == 0 && e.Range.Kind == MemoryMap.SystemRam).Select(e => e.Range).ToList();
        return new CrashDescription(ram, crash, notes, vmcoreinfo, ReadKernelCore())
        {
            OtherResources = MemoryMap.OutsideRam(iomem),
        };
    }

    /// <summary>
    /// The size in bytes of the crash kernel's reservation: the last "Crash kernel" range of /proc/iomem, as kexec-tools'
    /// --print-ckr-size gives it; 0 where none is reserved.
    /// </summary>
    /// <exception cref="IOException">/proc/iomem cannot be read.</exception>
    /// <exception cref="FormatException">/proc/iomem is malformed.</exception>
    public static ulong CrashReservationSize() => MemoryMap.CrashKernel(ReadIomem()) is { Count: > 0 } ranges ? ranges[^1].Size : 0;

    private static IReadOnlyList<IomemEntry> ReadIomem() => MemoryMap.ParseIomem(File.ReadAllText(Iomem));

    // /proc/kcore's ELF and program headers: the first 64 bytes say how many more to read.
    private static KernelCore ReadKernelCore()
    {
        using var kcore = File.OpenHandle("/proc/kcore");
        var start = new byte[64];
        if (RandomAccess.Read(kcore, start, 0) != start.Length) throw new FormatException("/proc/kcore is shorter than an ELF header");
        var header = new byte[KernelCore.HeaderBytes(start)];
        int read = RandomAccess.Read(kcore, header, 0);
        return KernelCore.Parse(header.AsSpan(0, read));
    }

    // getrandom(2) through libc: no OpenSSL needed in a minimal initramfs.
    private static unsafe byte[] Entropy(int count)
    {
        var bytes = new byte[count];
        fixed (byte* p = bytes)
        {
            for (int done = 0; done < count;)
            {
                nint got = GetRandom(p + done, (nuint)(count - done), 0);
                if (got < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Interop.Errno.EINTR) continue;
                    throw new IOException($"getrandom failed: {Interop.Errno.NameOf(errno) ?? errno.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                }
                done += (int)got;
            }
        }
        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "getrandom", SetLastError = true)]
    private static unsafe partial nint GetRandom(byte* buffer, nuint length, uint flags);
}
