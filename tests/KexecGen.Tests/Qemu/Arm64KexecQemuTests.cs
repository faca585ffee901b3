using System;
using System.IO;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// Real kexec on arm64 (qemu-system-aarch64 -M virt -cpu cortex-a57, TCG) with Debian's own arm64 kernel, which is
/// built without CONFIG_KEXEC_FILE: plain <c>kexec -l</c> gets ENOSYS from kexec_file_load and falls back to kexec_load
/// through our Image loader, device tree and trampoline. A test passes only on the marker the second kernel prints.
/// </summary>
[Collection(PublishedTools.Name)]
public class Arm64KexecQemuTests(Arm64GuestKit kit, ITestOutputHelper log) : IClassFixture<Arm64GuestKit>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private const string Console = "console=ttyAMA0 panic=-1 loglevel=4";

    [Fact]
    public void PlainLoad_FallsBackToKexecLoad_AndBootsDebiansImage()
    {
        var marker = Guid.NewGuid().ToString("N");
        var image = File.ReadAllBytes(kit.Kernel);
        var first = kit.Base(GuestScripts.FirstInit($"""
            /bin/kexec -l /truncated.img --append "{Console}"
            echo "KEXECGEN-TRUNCATED-EXIT $?"
            /bin/busybox truncate -s 1536M /huge.cpio
            /bin/kexec -c -l /vmlinuz --initrd /huge.cpio --append "{Console}"
            echo "KEXECGEN-HUGE-EXIT $?"
            /bin/kexec -l -S && echo "KEXECGEN-STATUS nothing loaded"
            {GuestScripts.LoadAndExecute($"/bin/kexec -l /vmlinuz --initrd /second.cpio --append \"{Console} kexecgen_marker={marker}\"")}
            """))
            .File("vmlinuz", image)
            .File("truncated.img", image.AsSpan(0, image.Length / 2).ToArray())
            .File("second.cpio", kit.Base(GuestScripts.SecondInit, withKexec: false).ToArray())
            .ToArray();

        var console = Boot(first);

        Assert.True(console.Contains("kexec_load cannot load it: the arm64 Image is truncated", StringComparison.Ordinal) && console.Contains("KEXECGEN-TRUNCATED-EXIT 1", StringComparison.Ordinal),
            "a truncated Image was not refused before kexec_load; console:\n" + console);
        Assert.True(console.Contains("kexec: the initrd (1536 MiB) does not fit in free RAM", StringComparison.Ordinal) && console.Contains("KEXECGEN-HUGE-EXIT 1", StringComparison.Ordinal),
            "an initrd larger than RAM was not refused before kexec_load; console:\n" + console);
        Assert.Contains("KEXECGEN-STATUS nothing loaded", console, StringComparison.Ordinal);
        GuestScripts.AssertSecondKernelBooted(console, marker, "kexec -l of Debian's arm64 Image");
    }

    [Fact]
    public void LoadWithDeviceTree_BootsWithTheGivenTree()
    {
        var marker = Guid.NewGuid().ToString("N");
        var treeMarker = Guid.NewGuid().ToString("N");
        var first = kit.Base(GuestScripts.FirstInit($"""
            {GuestScripts.LoadAndExecute($"/bin/kexec -c -l /vmlinuz --dtb /board.dtb --initrd /second.cpio --append \"{Console} kexecgen_marker={marker}\"", "/bin/kexec -e -y")}
            """))
            .File("vmlinuz", File.ReadAllBytes(kit.Kernel))
            .File("board.dtb", BoardDeviceTree(treeMarker))
            .File("second.cpio", kit.Base(GuestScripts.SecondInit, withKexec: false).ToArray())
            .ToArray();

        var console = Boot(first);

        GuestScripts.AssertSecondKernelBooted(console, marker, "kexec -c -l --dtb");
        Assert.True(console.Contains($"KEXECGEN-DEVICE-TREE {treeMarker}", StringComparison.Ordinal), "the second kernel did not see the given device tree; console:\n" + console);
    }

    // The board's own device tree, as QEMU makes it for these arguments (dumpdtb), with a marker added by fdtput.
    private static byte[] BoardDeviceTree(string marker)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-virt-{Guid.NewGuid():N}.dtb");
        try
        {
            var (dump, _, dumpErr) = ProcessRunner.Run(QemuTarget.Arm64.Emulator, TimeSpan.FromMinutes(1),
                "-M", $"virt,dumpdtb={path}", "-cpu", "cortex-a57", "-m", "1024", "-smp", "1", "-nographic", "-nodefaults");
            Assert.True(dump == 0, $"qemu dumpdtb failed: {dumpErr}");
            var (put, _, putErr) = ProcessRunner.Run("fdtput", TimeSpan.FromMinutes(1), "-t", "s", path, "/chosen", "kexecgen,marker", marker);
            Assert.True(put == 0, $"fdtput failed (device-tree-compiler; .ci/run installs it): {putErr}");
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private string Boot(byte[] initramfs)
    {
        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, initramfs, Console, Limit, QemuTarget.Arm64);
        GuestScripts.Log(log, console, elapsed);
        return console;
    }
}
