using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using KexecGen.Boot;
using Xunit;
using KexecGen.Boot.X86;
using KexecGen.Boot.Arm64;
using KexecGen.Boot.Fdt;
using KexecGen.Boot.Crash;

namespace KexecGen.Tests.Boot;

/// <summary>
/// Kernel images, device trees, /proc/iomem and /sys/firmware/memmap text are untrusted bytes. Each parser gets 10^5
/// random inputs (mutations of a valid one, so that most get past the magic): it must answer, or throw only the
/// exceptions it documents, with a message; and allocate no more than a bounded multiple of the input's size.
/// KEXECGEN_PROPERTY_ITERATIONS sets another count.
/// </summary>
public class BootInputPropertyTests
{
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("KEXECGEN_PROPERTY_ITERATIONS"), out long n) && n > 0 ? n : 100_000;

    private const long AllowedPerInputByte = 256, AllowedFixed = 4 << 20;

    private static readonly MachineDescription Machine = new(
        new[] { new MemoryRange(0x100000, 0x3ffe0000, MemoryMap.SystemRam), new MemoryRange(0x40000000, 0x80000000, MemoryMap.SystemRam) },
        4096, new byte[Arm64Image.EntropyBytes])
    {
        Firmware = [new DeviceTreeFirmware(new DeviceTree().ToArray()), new X86Firmware(new byte[4096], new[] { new MemoryRange(0, 0x80000000, MemoryMap.SystemRam) })],
    };

    // A valid input with some bytes overwritten, some cut off, or some inserted.
    private static Gen<byte[]> Mutated(byte[] seed) =>
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, Math.Max(0, seed.Length - 1)], Gen.Byte.Array[1, 8], Gen.Int[0, 3]).Select((kind, at, noise, word) =>
        {
            var bytes = kind switch
            {
                0 => seed.ToArray(),
                1 => seed[..at],
                _ => seed[..at].Concat(noise).Concat(seed[at..]).ToArray(),
            };
            if (kind == 0)
            {
                // Header fields are where parsers trust numbers: often overwrite a whole aligned word.
                int start = word == 0 ? at / 4 * 4 : at;
                for (int i = 0; i < noise.Length && start + i < bytes.Length; i++) bytes[start + i] = noise[i];
            }
            return bytes;
        });

    [Fact]
    public void DeviceTree_Parse() => Check(SeedDeviceTree(), bytes =>
    {
        var tree = DeviceTree.Parse(bytes);
        _ = tree.ToArray();
    }, typeof(FormatException));

    [Fact]
    public void Arm64Image_Plan() => Check(SeedArm64Image(), bytes => Arm64Image.Plan(bytes, new byte[100], KernelCommandLine.FromString("console=ttyAMA0"), Machine with { Firmware = [new DeviceTreeFirmware(SeedDeviceTree())] }),
        typeof(FormatException), typeof(ArgumentException));

    [Fact]
    public void Arm64Plan_OfAMutatedDeviceTree() => Check(SeedDeviceTree(), bytes => Arm64Image.Plan(SeedArm64Image(), null, KernelCommandLine.FromString("x"), Machine with { Firmware = [new DeviceTreeFirmware(bytes)] }),
        typeof(FormatException), typeof(ArgumentException));

    [Fact]
    public void BzImage_Plan() => Check(SeedBzImage(), bytes => BzImage.Plan(bytes, new byte[100], KernelCommandLine.FromString("console=ttyS0"), Machine),
        typeof(FormatException), typeof(ArgumentException));

    [Fact]
    public void KernelImage_Plan_OfElfAndGzip()
    {
        Check(Qemu.SerialPayload.Elf("x", 1), bytes => KernelImage.Plan(bytes, null, null, Machine), typeof(FormatException), typeof(ArgumentException));
        Check(Gzip(SeedArm64Image()), bytes => KernelImage.Plan(bytes, null, null, Machine with { Firmware = [new DeviceTreeFirmware(SeedDeviceTree())] }), typeof(FormatException), typeof(ArgumentException));
    }

    [Fact]
    public void Iomem_Parse() => Check(Encoding.ASCII.GetBytes(IomemSeed), bytes => MemoryMap.UsableRam(MemoryMap.ParseIomem(Encoding.Latin1.GetString(bytes))),
        typeof(FormatException));

    [Fact]
    public void FirmwareMemmap_Parse() => Check(Encoding.ASCII.GetBytes("0x0\n0x9fbff\nSystem RAM\n0x100000\n0x3ffdffff\nSystem RAM\n"), bytes =>
    {
        var lines = Encoding.Latin1.GetString(bytes).Split('\n');
        var triples = Enumerable.Range(0, lines.Length / 3).Select(i => (lines[3 * i], lines[3 * i + 1], lines[3 * i + 2]));
        MemoryMap.ParseFirmwareMemmap(triples);
    }, typeof(FormatException));

    [Fact]
    public void KernelCore_Parse() => Check(KcoreSeed(), bytes => KernelCore.Parse(bytes.AsSpan(0, (int)Math.Min(bytes.Length, Math.Max(0, bytes.Length >= 64 ? KernelCore.HeaderBytes(bytes) : 64)))),
        typeof(FormatException));

    [Fact]
    public void SysfsNoteFiles_Parse()
    {
        Check(Encoding.ASCII.GetBytes("0x0000000100c66000 1024\n"), bytes => CrashSysfs.ParseVmcoreInfo(Encoding.Latin1.GetString(bytes)), typeof(FormatException));
        Check(Encoding.ASCII.GetBytes("0-3,5,7-8\n"), bytes => CrashSysfs.ParseCpuList(Encoding.Latin1.GetString(bytes)), typeof(FormatException));
        Check(Encoding.ASCII.GetBytes("1f8c3d40\n"), bytes => CrashSysfs.ParseNoteAddress(Encoding.Latin1.GetString(bytes), "crash_notes"), typeof(FormatException));
        Check(Encoding.ASCII.GetBytes("344\n"), bytes => CrashSysfs.ParseDecimal(Encoding.Latin1.GetString(bytes), "crash_notes_size"), typeof(FormatException));
    }

    [Fact]
    public void EfiSysfsFiles_Parse()
    {
        Check(Encoding.ASCII.GetBytes("ACPI20=0x7f77e014\nACPI=0x7f77e000\nSMBIOS=0x7f58d000\nSMBIOS3=0x7f58b000\n"),
            bytes => EfiSysfs.ParseSystemTable(Encoding.Latin1.GetString(bytes), "systab"), typeof(FormatException));
        // One runtime-map entry's five files, mutated together: a NUL byte separates them.
        Check(Encoding.ASCII.GetBytes("0x5\n\0" + "0x7e8f0000\n\0" + "0xfffffffeee8f0000\n\0" + "0x20\n\0" + "0x800000000000000f\n"), bytes =>
        {
            var files = Encoding.Latin1.GetString(bytes).Split('\0');
            EfiSysfs.ParseRegion(name => files[Math.Min(Array.IndexOf(EfiSysfs.RegionFiles, name), files.Length - 1)], "runtime-map/0");
        }, typeof(FormatException));
    }

    // Random machines: RAM, reservations, notes and mappings anywhere in the address space, in any number up to 64.
    private static readonly Gen<CrashDescription> Crashes =
        Gen.Select(
            Gen.Select(Gen.ULong, Gen.ULong).Array[0, 64],
            Gen.Select(Gen.ULong, Gen.ULong).Array[0, 4],
            Gen.Select(Gen.ULong, Gen.ULong).Array[0, 64],
            Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong).Array[0, 64],
            Gen.Bool)
        .Select((ram, crash, notes, maps, big) => new CrashDescription(
            ram.Select(r => Range(r.Item1, r.Item2, MemoryMap.SystemRam)).ToList(),
            crash.Select(r => Range(r.Item1, r.Item2, "Crash kernel")).ToList(),
            notes.Select(n => new NoteRange(n.Item1, n.Item2)).ToList(),
            new NoteRange(0x1000, 0x1024),
            new KernelCore(62, big, maps.Select(m => new KernelMapping(m.Item1, m.Item2, m.Item3)).ToList())));

    private static MemoryRange Range(ulong a, ulong b, string kind) => new(Math.Min(a, b), Math.Max(a, b), kind);

    [Fact]
    public void ElfCoreHeader_Build_OfAnyMachine()
    {
        Crashes.Sample(crash =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var header = ElfCoreHeader.Build(crash, new[] { new MemoryRange(0, 1 << 20, "low") });
            // A note per CPU and vmcoreinfo, and at most one load per mapping and per piece of RAM around the holes.
            int most = crash.CpuNotes.Count + 1 + crash.Core.Mappings.Count + crash.SystemRam.Count * (crash.CrashKernel.Count + 2);
            Assert.InRange(ElfCoreHeader.ProgramHeaders(header), crash.CpuNotes.Count + 1, most);
            Assert.Equal(64 + 56 * ElfCoreHeader.ProgramHeaders(header), header.Length);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        }, iter: Iterations, threads: Environment.ProcessorCount);
    }

    [Fact]
    public void CrashPlans_OfAnyMachine() => Crashes.Sample(crash =>
    {
        foreach (var plan in new Func<BootPlan>[]
        {
            () => BzImage.Plan(SeedBzImage(), new byte[100], KernelCommandLine.FromString("console=ttyS0"), Machine, crash),
            () => Arm64Image.Plan(SeedArm64Image(), null, KernelCommandLine.FromString("console=ttyAMA0"), Machine with { Firmware = [new DeviceTreeFirmware(SeedDeviceTree())] }, crash),
        })
        {
            try
            {
                var made = plan();
                // Inside the reservation (overlapping or touching reservations count as one).
                foreach (var s in made.Sources)
                {
                    Assert.True(MemoryMap.Subtract(new[] { new MemoryRange(s.Destination, s.Destination + s.MemorySize, "segment") }, crash.CrashKernel).Count == 0,
                        $"segment 0x{s.Destination:x}+0x{s.MemorySize:x} outside {string.Join(", ", crash.CrashKernel)}");
                }
            }
            catch (ArgumentException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
    }, iter: Iterations / 10, threads: Environment.ProcessorCount);

    private static byte[] KcoreSeed()
    {
        var header = new byte[64 + 3 * 56];
        "\u007fELF"u8.CopyTo(header);
        header[4] = 2;
        header[5] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(18), 62);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(32), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(54), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(56), 3);
        for (int i = 0; i < 3; i++)
        {
            var ph = header.AsSpan(64 + i * 56);
            BinaryPrimitives.WriteUInt32LittleEndian(ph, 1);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], 0xffff888000000000 + (ulong)i * 0x1000_0000);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], (ulong)i * 0x1000_0000);
            BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], 0x1000_0000);
        }
        return header;
    }

    private const string IomemSeed = """
        00000000-00000fff : Reserved
        00001000-0009fbff : System RAM
        00100000-3ffdffff : System RAM
          01000000-01e03fff : Kernel code
          02000000-0246ffff : reserved
        3ffe0000-3fffffff : Reserved
        """;

    private static void Check(byte[] seed, Action<byte[]> parse, params Type[] documented)
    {
        long answered = 0, refused = 0;
        Mutated(seed).Sample(bytes =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                parse(bytes);
                System.Threading.Interlocked.Increment(ref answered);
            }
            catch (Exception e) when (documented.Contains(e.GetType()))
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message), $"{e.GetType().Name} without a message");
                System.Threading.Interlocked.Increment(ref refused);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated <= AllowedFixed + AllowedPerInputByte * bytes.Length, $"{allocated} bytes allocated for {bytes.Length} bytes of input");
        }, iter: Iterations, threads: Environment.ProcessorCount);
        // Both outcomes must occur, or the mutations never reach the code past the first check (or never break it).
        if (Iterations >= 10_000) Assert.True(answered > 0 && refused > 0, $"{answered} inputs answered, {refused} refused");
    }

    private static byte[] SeedDeviceTree()
    {
        var tree = new DeviceTree();
        tree.Reservations.Add(new MemoryReservation(0x48000000, 0x1000));
        tree.Root.SetString("model", "kexecgen");
        var memory = tree.Root.GetOrAddChild("memory@40000000");
        memory.SetString("device_type", "memory");
        memory.SetUInt64("reg", 0x40000000);
        var chosen = tree.Root.GetOrAddChild("chosen");
        chosen.SetString("bootargs", "console=ttyAMA0");
        chosen.SetUInt64("linux,initrd-start", 0x48000000);
        chosen.GetOrAddChild("deeper").Set("cells", new byte[] { 0, 0, 0, 1 });
        return tree.ToArray();
    }

    private static byte[] SeedArm64Image()
    {
        var image = new byte[4096];
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(16), 2 << 20);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(24), 0xa);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(56), Arm64Image.Magic);
        image[0] = (byte)'M';
        image[1] = (byte)'Z';
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x3c), 0x40);
        "PE\0\0"u8.CopyTo(image.AsSpan(0x40));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x46), 1);   // one section
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x54), 0);   // no optional header
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x58 + 16), 0x800); // SizeOfRawData
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x58 + 20), 0x400); // PointerToRawData
        return image;
    }

    // The bzImage fields the loader reads, set by offset (LoaderTests checks the layout against asm/bootparam.h).
    private static byte[] SeedBzImage()
    {
        var image = new byte[4096 + 4096];
        image[0x1f1] = 7;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x1f4), 4096 / 16);
        image[0x201] = 0x66;
        "HdrS"u8.CopyTo(image.AsSpan(0x202));
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x206), 0x020f);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x22c), 0x7fffffff);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x230), 0x200000);
        image[0x234] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x236), 3);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x238), 2047);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x258), 0x1000000);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x260), 0x800000);
        return image;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new System.IO.MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }
}
