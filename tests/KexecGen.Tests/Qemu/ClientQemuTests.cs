using System;
using System.Globalization;
using System.Linq;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace KexecGen.Tests.Qemu;

/// <summary>
/// Real clients' command lines run for real in the x86_64 guest (TCG, crashkernel=256M): Debian's kdump-config loads a
/// crash kernel (-p --command-line=… --initrd=… KERNEL), kexec -S sees it (exit 1, as kexec-tools), kdump-config
/// unloads it (-p -u) and -S sees none; then systemd's systemctl kexec loads (--load KERNEL --append … --initrd …),
/// and systemd-shutdown's kexec -e boots it. The kernel's path and the command line hold bytes 0x80–0xff that are not
/// UTF-8, which must reach the second kernel's /proc/cmdline unchanged, through kexec_file_load and through kexec_load.
/// </summary>
[Collection(PublishedTools.Name)]
public class ClientQemuTests(GuestKit kit, ITestOutputHelper log) : IClassFixture<GuestKit>
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(4);
    private const string Console = "console=ttyS0 panic=-1 loglevel=4 " + QemuTarget.X86KernelOptions;

    // The bytes the shell's printf makes of the escapes below: not UTF-8 (a lone continuation byte, 0xff, a lead byte
    // with no continuation).
    private static readonly byte[] Bytes = { (byte)'a', 0x80, 0xff, 0xc0, (byte)'b', 0xe9 };

    [Theory]
    [InlineData("kexec_file_load", "")]
    [InlineData("kexec_load", "-c ")]
    public void KdumpConfigAndSystemdArgv_LoadStatusUnloadExecute_AndTheBytesArrive(string path, string syscall)
    {
        var marker = Guid.NewGuid().ToString("N");
        var second = kit.Base(GuestScripts.SecondInitThen("""
            /bin/busybox od -An -tx1 -v /proc/cmdline | /bin/busybox sed 's/^/KEXECGEN-CMDLINE/'
            """), withKexec: false).ToArray();
        var first = kit.Base(GuestScripts.FirstInit($$"""
            k="$(printf '/vmlinuz-\200\377')"; /bin/busybox cp /vmlinuz "$k"
            bytes="$(printf 'kexecgen_bytes=a\200\377\300b\351')"
            /bin/kexec {{syscall}}-p --command-line="{{Console}} reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb" --initrd=/second.cpio "$k"
            echo "KEXECGEN-KDUMP-LOAD $?"
            /bin/kexec -S; echo "KEXECGEN-KDUMP-STATUS $?"
            /bin/kexec {{syscall}}-p -u; echo "KEXECGEN-KDUMP-UNLOAD $?"
            /bin/kexec -S; echo "KEXECGEN-KDUMP-STATUS-AFTER $?"
            /bin/kexec {{syscall}}--load "$k" --append "{{Console}} kexecgen_marker={{marker}} $bytes" --initrd /second.cpio
            echo "KEXECGEN-LOAD-EXIT $?"
            /bin/kexec -l -S || echo "KEXECGEN-STATUS loaded"
            /bin/kexec -e
            echo "KEXECGEN-EXEC-RETURNED $?"
            """))
            .File("vmlinuz", System.IO.File.ReadAllBytes(kit.Kernel))
            .File("second.cpio", second)
            .ToArray();

        var (_, console, elapsed) = QemuMachine.Boot(kit.Kernel, first, Console + " crashkernel=256M", Limit, memoryMiB: 1536);
        GuestScripts.Log(log, console, elapsed);

        foreach (var (line, what) in new[]
        {
            ("KEXECGEN-KDUMP-LOAD 0", "kdump-config's crash load"), ("KEXECGEN-KDUMP-STATUS 1", "kexec -S after the crash load (1: loaded)"),
            ("KEXECGEN-KDUMP-UNLOAD 0", "kdump-config's unload"), ("KEXECGEN-KDUMP-STATUS-AFTER 0", "kexec -S after the unload (0: none)"),
        })
        {
            Assert.True(console.Contains(line, StringComparison.Ordinal), $"{path}: {what} did not answer as kexec-tools does; console:\n" + console);
        }
        GuestScripts.AssertSecondKernelBooted(console, marker, $"{path}: systemd's kexec --load");
        var cmdline = console.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("KEXECGEN-CMDLINE", StringComparison.Ordinal))
            .SelectMany(l => l["KEXECGEN-CMDLINE".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(h => byte.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        var expected = Encoding.ASCII.GetBytes("kexecgen_bytes=").Concat(Bytes).ToArray();
        Assert.True(cmdline.AsSpan().IndexOf(expected) >= 0,
            $"{path}: the second kernel's /proc/cmdline lacks the bytes {Convert.ToHexString(expected)}: {Convert.ToHexString(cmdline)}");
        log.WriteLine($"{path}: /proc/cmdline of the second kernel: {Convert.ToHexString(cmdline)}");
    }
}
