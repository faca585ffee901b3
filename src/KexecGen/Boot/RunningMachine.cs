using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace KexecGen.Boot;

/// <summary>
/// Describes the machine this process runs on, for the loaders: /proc/iomem, /sys/firmware/memmap, /sys/firmware/fdt and
/// /sys/kernel/boot_params/data, read as they are and handed to the pure parsers. Nothing else in the loaders reads a file.
/// </summary>
public static partial class RunningMachine
{
    private const string Iomem = "/proc/iomem";
    private const string FirmwareMemmap = "/sys/firmware/memmap";
    private const string FirmwareDeviceTree = "/sys/firmware/fdt";
    private const string BootParams = "/sys/kernel/boot_params/data";

    /// <summary>
    /// What <see cref="KernelImage.Plan"/> needs to place <paramref name="kernel"/>: an ELF executable is placed at its
    /// own addresses and needs only the page size (so no root for /proc/iomem); any other image the whole description.
    /// </summary>
    public static MachineDescription DescribeFor(ReadOnlySpan<byte> kernel, string? deviceTreePath = null) =>
        ElfImage.IsExecutable(kernel)
            ? new MachineDescription(Array.Empty<MemoryRange>(), (ulong)Environment.SystemPageSize, ReadOnlyMemory<byte>.Empty)
            : Describe(deviceTreePath);

    /// <summary>The running machine's description; <paramref name="deviceTreePath"/> replaces /sys/firmware/fdt when given.</summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file is root's only.</exception>
    /// <exception cref="FormatException">/proc/iomem or /sys/firmware/memmap is malformed, or shows no RAM.</exception>
    public static MachineDescription Describe(string? deviceTreePath = null)
    {
        var iomem = MemoryMap.ParseIomem(File.ReadAllText(Iomem));
        var firmware = Directory.Exists(FirmwareMemmap)
            ? MemoryMap.ParseFirmwareMemmap(Directory.GetDirectories(FirmwareMemmap)
                .OrderBy(d => int.TryParse(Path.GetFileName(d), out int n) ? n : int.MaxValue)
                .Select(d => (File.ReadAllText(Path.Combine(d, "start")), File.ReadAllText(Path.Combine(d, "end")), File.ReadAllText(Path.Combine(d, "type")))))
            : iomem.Where(e => e.Depth == 0).Select(e => e.Range).ToList();
        string? dtb = deviceTreePath ?? (File.Exists(FirmwareDeviceTree) ? FirmwareDeviceTree : null);
        return new MachineDescription(MemoryMap.UsableRam(iomem), (ulong)Environment.SystemPageSize, Entropy(Arm64Image.EntropyBytes))
        {
            DeviceTree = dtb is null ? null : File.ReadAllBytes(dtb),
            BootParams = File.Exists(BootParams) ? File.ReadAllBytes(BootParams) : null,
            FirmwareMap = firmware,
        };
    }

    /// <summary>
    /// What a crash kernel must be told about this one: /proc/iomem's System RAM and "Crash kernel" ranges, each
    /// possible CPU's crash_notes, /sys/kernel/vmcoreinfo, and /proc/kcore's header (root only).
    /// </summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file is root's only.</exception>
    /// <exception cref="FormatException">A file is malformed, or no memory is reserved for a crash kernel.</exception>
    public static CrashDescription DescribeCrash()
    {
        var iomem = MemoryMap.ParseIomem(File.ReadAllText(Iomem));
        var crash = MemoryMap.CrashKernel(iomem);
        if (crash.Count == 0) throw new FormatException("no memory is reserved for a crash kernel (no \"Crash kernel\" in /proc/iomem): boot with crashkernel=");
        var notes = new System.Collections.Generic.List<NoteRange>();
        foreach (int cpu in ElfCoreHeader.ParseCpuList(File.ReadAllText("/sys/devices/system/cpu/possible")))
        {
            var dir = $"/sys/devices/system/cpu/cpu{cpu}";
            if (!File.Exists(dir + "/crash_notes")) continue; // a possible CPU never brought up has no notes yet
            notes.Add(new NoteRange(
                ElfCoreHeader.ParseNoteAddress(File.ReadAllText(dir + "/crash_notes"), dir + "/crash_notes"),
                ElfCoreHeader.ParseDecimal(File.ReadAllText(dir + "/crash_notes_size"), dir + "/crash_notes_size")));
        }
        var vmcoreinfo = ElfCoreHeader.ParseVmcoreInfo(File.ReadAllText("/sys/kernel/vmcoreinfo"));
        var top = iomem.Where(e => e.Depth == 0).Select(e => e.Range).ToList();
        return new CrashDescription(top.Where(r => r.Kind == MemoryMap.SystemRam).ToList(), crash, notes, vmcoreinfo, ReadKernelCore())
        {
            OtherResources = top.Where(r => r.Kind != MemoryMap.SystemRam).ToList(),
        };
    }

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
