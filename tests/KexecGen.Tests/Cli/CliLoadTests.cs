using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace KexecGen.Tests;

/// <summary>The kexec-tools-style flags, on this machine (no kexec in its kernel).</summary>
public class CliLoadTests
{
    private static (int Code, string Out, string Err) Kexec(params string[] args) => CliTests.Kexec(args);

    /// <summary>A bzImage (the test fixture's: a setup header as x86_64's kexec_file_load wants, then 64 KiB of code).</summary>
    internal static readonly Lazy<string> FakeKernel = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"kexecgen-cli-bzImage-{Guid.NewGuid():N}");
        File.WriteAllBytes(path, Boot.BzImagePlanTests.BzImageFixture(64 * 1024));
        return path;
    });

    private static string[] WithKernel(string[] args) => args.Select(a => a == "K" ? FakeKernel.Value : a).ToArray();

    [Fact]
    public void DryRun_PrintsTheSyscall_AndMakesNone()
    {
        // A real call would fail here (ENOSYS, exit 1): exit 0 shows none was made.
        var (code, stdout, _) = Kexec("-s", "-l", FakeKernel.Value, "--initrd", "/bin/sh", "--append=console=ttyS0 quiet", "--dry-run");

        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"kexec_file_load(kernel_fd=open(\"{FakeKernel.Value}\"), initrd_fd=open(\"/bin/sh\"), cmdline_len=20, cmdline=\"console=ttyS0 quiet\", flags=0)", lines[0], StringComparison.Ordinal);
        Assert.Contains($"syscall {KexecGen.Interop.SyscallNumbers.KexecFileLoad}", lines[0], StringComparison.Ordinal);
        Assert.Equal(new[] { "# sync(): file systems written back" }, lines[1..]); // as kexec-tools syncs after -l
    }

    [Fact]
    public void DryRun_OfTheSegmentPath_ShowsTheElfSegments()
    {
        var elf = Path.Combine(Path.GetTempPath(), $"kexecgen-payload-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(elf, Qemu.SerialPayload.Elf("x", 1));
        var (code, stdout, _) = Kexec("-c", "-l", elf, "--dry-run", "--json");

        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var call = Assert.Single(doc.RootElement.GetProperty("calls").EnumerateArray().ToList());
        Assert.Equal("kexec_load", call.GetProperty("syscall").GetString());
        Assert.False(call.GetProperty("made").GetBoolean());
        Assert.Contains("entry=0x1000000, nr_segments=1", call.GetProperty("args").GetString(), StringComparison.Ordinal);
        var segment = Assert.Single(doc.RootElement.GetProperty("plan").GetProperty("segments").EnumerateArray().ToList());
        Assert.Equal(0x1000000UL, segment.GetProperty("mem").GetUInt64());
        Assert.StartsWith("ELF program header 0", segment.GetProperty("contents").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_OfABzImage_PrintsEverySegmentAndWhatItHolds()
    {
        // A bzImage through kexec_load is planned from this machine's /proc/iomem and firmware map: root only.
        var kernel = Path.Combine(Path.GetTempPath(), $"kexecgen-bz-{Guid.NewGuid():N}");
        File.WriteAllBytes(kernel, Boot.BzImagePlanTests.BzImageFixture(64 * 1024));
        var (code, stdout, stderr) = Kexec("-c", "-l", kernel, "--initrd", "/bin/sh", "--append", "console=ttyS0", "--dry-run");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("kexec_load(entry=0x", lines[0], StringComparison.Ordinal);
        Assert.Contains("flags=0|KEXEC_ARCH_X86_64", lines[0], StringComparison.Ordinal);
        foreach (var holds in new[] { "kernel", "initrd", "command line", "boot_params", "trampoline" })
        {
            Assert.Contains(lines, l => l.StartsWith("# segment ", StringComparison.Ordinal) && l.Contains("): " + holds, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void CrashLoad_WithoutAReservation_IsRefusedBeforeTheSyscall()
    {
        // This machine was booted without crashkernel=: nothing to place a crash kernel in.
        var kernel = Path.Combine(Path.GetTempPath(), $"kexecgen-bz-{Guid.NewGuid():N}");
        File.WriteAllBytes(kernel, Boot.BzImagePlanTests.BzImageFixture(64 * 1024));
        var (code, stdout, stderr) = Kexec("-c", "-p", kernel, "--append", "console=ttyS0", "--dry-run");

        Assert.Equal(1, code);
        Assert.Equal("", stdout); // not even the dry run's call: the plan failed first
        Assert.Equal("kexec: no memory is reserved for a crash kernel (no \"Crash kernel\" in /proc/iomem): boot with crashkernel=", stderr.Trim());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Force_LoadsThenExecutes_SyncingFirst_UnlessToldNotTo(bool sync)
    {
        // --dry-run: reboot(2) is never called on this machine.
        var (code, stdout, stderr) = sync ? Kexec("-f", "-s", FakeKernel.Value, "--dry-run") : Kexec("-f", "-y", "-s", FakeKernel.Value, "--dry-run");

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"kexec_file_load(kernel_fd=open(\"{FakeKernel.Value}\")", lines[0], StringComparison.Ordinal);
        Assert.Equal(sync, stdout.Contains("# sync(): file systems written back first", StringComparison.Ordinal));
        Assert.StartsWith("reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL)", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void TableFollowedByAnAction_IsAKernelNamedTable_NotTheCommand()
    {
        var dir = Directory.CreateTempSubdirectory("kexecgen-table-").FullName;
        File.Copy(FakeKernel.Value, Path.Combine(dir, "table"));
        try
        {
            var (code, stdout, stderr) = ProcessRunner.RunIn(dir, "dotnet", TimeSpan.FromMinutes(1), Path.Combine(AppContext.BaseDirectory, "kexec.dll"), "table", "-s", "-l", "--dry-run");

            Assert.True(code == 0, stderr);
            Assert.StartsWith("kexec_file_load(kernel_fd=open(\"table\")", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void KernelAlone_LoadsThenHandsTheRebootToShutdown_AsKexecTools()
    {
        var (code, stdout, stderr) = Kexec("--dry-run", "-s", FakeKernel.Value);

        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("kexec_file_load(", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("# then /sbin/shutdown -r now", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Exec_WithNothingLoaded_FailsAsARealRunWould_EvenInADryRun()
    {
        var (code, stdout, stderr) = Kexec("-e", "--dry-run");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("kexec: nothing has been loaded: load a kernel with -l first", stderr.Trim());
    }

    [Fact]
    public void RealLoad_ReportsEnosys_InOneClearLine()
    {
        var (code, stdout, stderr) = Kexec("-s", "-l", "/bin/true");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kexec: kexec_file_load failed: ENOSYS", line, StringComparison.Ordinal);
    }

    [Fact]
    public void AutoLoad_WhereKexecLoadCannotTakeTheImage_KeepsTheFirstError()
    {
        var (code, _, stderr) = Kexec("-l", "/bin/true", "--json");

        Assert.Equal(1, code);
        Assert.Contains("ENOSYS", stderr, StringComparison.Ordinal);
        Assert.Contains("not a kernel the kexec_load path knows", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-S")]
    [InlineData("-S", "-p")]
    [InlineData("-l", "-S")]
    public void Status_ExitsZero_WhenNothingIsLoaded_AsKexecTools(params string[] args)
    {
        // kexec-tools' -S: the exit code is what /sys/kernel/kexec{,_crash}_loaded holds (1 when loaded); nothing printed.
        var (code, stdout, stderr) = Kexec(args);
        Assert.True(code == 0, stderr);
        Assert.Equal("", stdout);

        var (jsonCode, json, _) = Kexec(args.Append("--json").ToArray());
        Assert.Equal(0, jsonCode);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.False(doc.RootElement.GetProperty("loaded").GetBoolean());
    }

    // kexec-tools' spellings all mean the same load.
    [Theory]
    [InlineData("-s", "-l", "K", "--initrd", "/bin/sh", "--append", "root=/dev/sda1 quiet", "--dry-run")]
    [InlineData("-s", "-l", "K", "--initrd=/bin/sh", "--append=root=/dev/sda1 quiet", "--dry-run")]
    [InlineData("--kexec-file-syscall", "--load", "K", "--ramdisk", "/bin/sh", "--command-line=root=/dev/sda1 quiet", "--dry-run")]
    [InlineData("-s", "K", "--ramdisk=/bin/sh", "--command-line", "root=/dev/sda1 quiet", "--dry-run")]
    public void KexecToolsSpellings_AllGiveTheSameLoad(params string[] args)
    {
        var (code, stdout, stderr) = Kexec(WithKernel(args));

        Assert.True(code == 0, stderr);
        Assert.StartsWith($"kexec_file_load(kernel_fd=open(\"{FakeKernel.Value}\"), initrd_fd=open(\"/bin/sh\"), cmdline_len=21, cmdline=\"root=/dev/sda1 quiet\", flags=0)", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_OfKexecFileLoad_SaysWhatTheKernelWouldRefuse()
    {
        // Not the format x86_64's kexec_file_load takes (it answers ENOEXEC): -s fails as a real run does.
        var (code, stdout, stderr) = Kexec("-s", "-l", "/bin/true", "--dry-run");
        Assert.Equal(1, code);
        Assert.StartsWith("kexec_file_load(", stdout, StringComparison.Ordinal); // the call it would have made
        Assert.StartsWith("kexec: kexec_file_load would refuse it: the kernel is not a bzImage", stderr, StringComparison.Ordinal);

        // A command line longer than the bzImage's cmdline_size allows (the kernel answers EINVAL).
        (code, _, stderr) = Kexec("-s", "-l", FakeKernel.Value, "--append", new string('x', 2047), "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("the command line is 2048 bytes with its NUL; this bzImage takes at most", stderr, StringComparison.Ordinal);

        // -a goes on to kexec_load, as a real run would after the kernel's answer: here that path cannot take it either.
        (code, stdout, stderr) = Kexec("-a", "-l", "/bin/true", "--dry-run");
        Assert.Equal(1, code);
        Assert.Contains("# kexec_file_load would refuse it (the kernel is not a bzImage", stdout, StringComparison.Ordinal);
        Assert.Contains("not a kernel the kexec_load path knows", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kexec: no kernel specified", "-l")]
    [InlineData("kexec: option '--initrd' requires an argument", "-l", "/bin/true", "--initrd")]
    [InlineData("kexec: option '--load' doesn't allow an argument", "--load=/bin/true")]
    [InlineData("kexec: option '--reuse' is ambiguous; possibilities: '--reuse-cmdline' '--reuse-video-type' '--reuseinitrd'", "--reuse", "-l", "/bin/true")]
    [InlineData("kexec: unrecognized option '--frobnicate'", "--frobnicate")]
    [InlineData("kexec: invalid option -- 'z'", "-lz", "/bin/true")]
    [InlineData("kexec: invalid option -- '?'", "-?")]
    [InlineData("kexec: --mem-min: not supported: ", "-l", "/bin/true", "--mem-min=0x1000000")]
    [InlineData("kexec: unsupported kernel type bzimage (kexec-tools' types: ", "-t", "bzimage", "-l", "/bin/true")]
    [InlineData("kexec: --append means something only to a load", "-e", "--append=quiet")]
    [InlineData("kexec: ", "table", "--abi")]
    [InlineData("kexec: ", "probe", "extra")]
    public void BadArguments_ExitOne_WithAReason_AsKexecTools(string reason, params string[] args)
    {
        var (code, stdout, stderr) = Kexec(args);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.StartsWith(reason, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
