using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace KexecGen.Tests.Qemu;

/// <summary>A QEMU machine under TCG, its serial console captured, ended by a hard timeout.</summary>
internal static class QemuMachine
{
    /// <summary>Exit code QEMU gives when the guest writes <paramref name="value"/> to the isa-debug-exit port.</summary>
    public static int DebugExitCode(int value) => (value << 1) | 1;

    /// <summary>The port of the isa-debug-exit device.</summary>
    public const int DebugExitPort = 0xf4;

    /// <summary>Boots <paramref name="kernel"/> with <paramref name="initramfs"/>; returns QEMU's exit code and the console text.</summary>
    public static (int ExitCode, string Console, TimeSpan Elapsed) Boot(string kernel, byte[] initramfs, string commandLine, TimeSpan timeout, QemuTarget? target = null, int memoryMiB = 1024)
    {
        target ??= QemuTarget.X86_64;
        var initrd = Path.Combine(Path.GetTempPath(), $"kexecgen-initrd-{Guid.NewGuid():N}.cpio");
        File.WriteAllBytes(initrd, initramfs);
        var info = new ProcessStartInfo(target.Emulator)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in new[]
        {
            "-accel", "tcg", "-m", memoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture), "-nographic", "-no-reboot", "-nodefaults", "-serial", "stdio",
        }.Concat(target.Board).Concat(new[] { "-kernel", kernel, "-initrd", initrd, "-append", commandLine }))
        {
            info.ArgumentList.Add(arg);
        }
        var console = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using (var qemu = ProcessRunner.Start(info, $"apt-get install {target.Package}; .ci/run does"))
        {
            qemu.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (console) console.AppendLine(e.Data); };
            qemu.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (console) console.AppendLine("[qemu] " + e.Data); };
            qemu.BeginOutputReadLine();
            qemu.BeginErrorReadLine();
            bool finished = qemu.WaitForExit(timeout);
            if (!finished) qemu.Kill(entireProcessTree: true);
            qemu.WaitForExit();
            File.Delete(initrd);
            lock (console)
            {
                if (!finished) throw new TimeoutException($"QEMU did not finish within {timeout}; console:\n{console}");
                return (qemu.ExitCode, console.ToString(), watch.Elapsed);
            }
        }
    }
}
