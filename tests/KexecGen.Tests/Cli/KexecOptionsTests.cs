using System;
using System.Linq;
using System.Text;
using KexecGen.Cli;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The command line as kexec-tools 2.0.25's main and glibc's getopt_long take it (kexec/kexec.c; the expected values
/// below are what that code does, read from its source, not from ours).
/// </summary>
public class KexecOptionsTests
{
    private static LoadOptions Parse(params string[] args)
    {
        var parsed = KexecOptions.Parse(args.Select(a => Encoding.UTF8.GetBytes(a)).ToList());
        Assert.True(parsed.Error is null, parsed.Error);
        return Assert.IsType<LoadOptions>(parsed.Options);
    }

    private static string Error(params string[] args) => Assert.IsType<string>(KexecOptions.Parse(args.Select(a => Encoding.UTF8.GetBytes(a)).ToList()).Error);

    [Theory]
    [InlineData("--app=quiet", "-l", "K")]
    [InlineData("--append", "quiet", "-l", "K")]
    [InlineData("--command-line=quiet", "K", "-l")]
    [InlineData("--comm", "quiet", "--load", "K")]
    [InlineData("-l", "K", "--append=first", "--append=quiet")]
    [InlineData("-l", "--append=quiet", "--", "K")]
    public void LongOptions_Abbreviated_EqualsOrNextWord_AnyOrder_LastWins(params string[] args)
    {
        var options = Parse(args);

        Assert.True(options.Load);
        Assert.Equal("K", options.Kernel);
        Assert.Equal("quiet"u8.ToArray(), options.Append);
    }

    [Theory]
    [InlineData(SyscallChoice.File, "-s", "-l", "K")]
    [InlineData(SyscallChoice.Segments, "-s", "-c", "-l", "K")]
    [InlineData(SyscallChoice.Auto, "-sca", "-l", "K")]
    [InlineData(SyscallChoice.Segments, "-al", "K", "--kexec-syscall")]
    [InlineData(SyscallChoice.Auto, "-l", "K")]
    public void SyscallChoice_TheLastOfSCAWins(SyscallChoice expected, params string[] args) => Assert.Equal(expected, Parse(args).Syscall);

    [Fact]
    public void Ramdisk_AndInitrd_AreOneOption_TheLastWins()
    {
        var options = Parse("-l", "K", "--ramdisk=/a", "--initrd", "/b");

        Assert.Equal("/b", options.Initrd);
        Assert.Equal("/b"u8.ToArray(), options.InitrdPath);
    }

    // kexec.c 1458-1523: -l, -p, -u, -e and -f each set some of the flags; the combinations follow.
    [Theory]
    [InlineData("load sync", "-l", "K")]                        // do_sync stays 1: kexec-tools syncs after a load
    [InlineData("load crash", "-p", "K")]
    [InlineData("load crash", "-p", "-l", "K")]                 // kexec_flags stays KEXEC_ON_CRASH
    [InlineData("load crash", "-l", "-p", "K")]
    [InlineData("unload", "-u")]
    [InlineData("unload crash", "-p", "-u")]
    [InlineData("unload load crash", "-u", "-p", "K")]          // do_unload is never cleared
    [InlineData("unload crash", "-u", "-p")]                    // ours: with no kernel, -p only selects the crash kernel
    [InlineData("unload load", "-u", "-l", "K")]
    [InlineData("sync exec", "-e")]
    [InlineData("exec", "-e", "-y")]
    [InlineData("load sync exec", "-f", "K")]
    [InlineData("sync exec", "-e", "-f")]                       // ours: -f with no kernel executes what is loaded
    [InlineData("load sync", "-e", "-l", "K")]                  // kexec-tools: loads, syncs, takes interfaces down, no exec
    [InlineData("load shutdown sync", "K")]                     // no action: load, then /sbin/shutdown -r now
    [InlineData("status crash", "-S")]
    [InlineData("status crash", "-S", "-p")]
    [InlineData("status", "-S", "-l")]
    [InlineData("status crash", "-S", "-l", "-p")]
    [InlineData("status", "-l", "K", "-S")]                     // -S wins: only the status is read, of the kernel -l names
    public void Actions_AsKexecToolsMainSetsItsFlags(string expected, params string[] args)
    {
        var o = Parse(args);
        var steps = new[] { (o.Status, "status"), (o.Unload, "unload"), (o.Load, "load"), (o.Crash, "crash"), (o.Shutdown, "shutdown"), (o.Sync, "sync"), (o.Exec, "exec") };
        Assert.Equal(expected, string.Join(' ', steps.Where(s => s.Item1).Select(s => s.Item2)));
    }

    [Fact]
    public void Bytes_ReachTheOptions_Unchanged()
    {
        byte[] append = { (byte)'a', 0xff, 0x80, (byte)'b' }, kernel = { (byte)'/', (byte)'k', 0xe9 };
        var parsed = KexecOptions.Parse(new[] { "-l"u8.ToArray(), kernel, "--append"u8.ToArray(), append });

        Assert.Equal(append, parsed.Options!.Append);
        Assert.Equal(kernel, parsed.Options.KernelPath);
    }

    [Theory]
    [InlineData("-l", "K", "--mem-max=0x1000")]
    [InlineData("-l", "K", "--load-preserve-context")]
    [InlineData("--load-live-update", "-l", "K")]
    [InlineData("-l", "K", "--module=mb")]
    public void RefusedOptions_NameThemselves_AndSayWhy(params string[] args)
    {
        var error = Error(args);

        Assert.Contains(args.First(a => a.StartsWith("--", StringComparison.Ordinal) && a != "--load").Split('=')[0], error, StringComparison.Ordinal);
        Assert.Contains(": not supported: ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-d", "-i", "-x", "--elf64-core-headers", "--elf32-core-headers", "-t", "bzImage64", "--reset-vga", "--console-vga",
        "--console-serial", "--serial=ttyS0", "--serial-baud=115200", "--pass-memmap-cmdline", "--reuse-video-type", "-p", "K")]
    public void AcceptedOptions_DoNotChangeTheLoad(params string[] args)
    {
        var options = Parse(args);

        Assert.True(options.Load && options.Crash);
        Assert.Equal("K", options.Kernel);
    }
}
