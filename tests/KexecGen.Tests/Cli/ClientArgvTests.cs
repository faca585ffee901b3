using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using KexecGen.Tests.Qemu;
using Xunit;

namespace KexecGen.Tests;

/// <summary>Debian's amd64 kernel (the QEMU tests' own download) and a small initrd, for the client catalogue's dry runs.</summary>
public sealed class DebianKernelFiles : IDisposable
{
    public string Kernel { get; }

    public string Initrd { get; } = Path.Combine(Path.GetTempPath(), $"kexecgen-client-initrd-{Guid.NewGuid():N}.img");

    public DebianKernelFiles()
    {
        Kernel = GuestKit.DebianAmd64Kernel();
        File.WriteAllBytes(Initrd, new byte[64 * 1024]);
    }

    public void Dispose() => File.Delete(Initrd);
}

/// <summary>
/// The argv real clients pass to /sbin/kexec, built as each client's source builds it (systemd, kdumpctl, kdump-config,
/// openSUSE's kdump, petitboot, Debian's init scripts, NixOS and nixos-images, Heads, Anaconda, curtin, KIWI, Yomi,
/// Uyuni, cryptreboot), the kernel and initrd paths pointed at a real Debian kernel and a small initrd, each run in
/// --dry-run --json. Each answer is kexec-tools' on this machine (x86_64, no crashkernel= reservation, nothing loaded),
/// read from its source: a load plans kexec_file_load with the client's command line byte for byte; a crash load is
/// refused for want of a reservation, an exec for want of a loaded kernel, an option of another architecture's build
/// as unknown; an unload and the probes succeed.
/// </summary>
public class ClientArgvTests(DebianKernelFiles files) : IClassFixture<DebianKernelFiles>
{
    private const string Crash = "no memory is reserved for a crash kernel";
    private const string NothingLoaded = "nothing has been loaded";

    // Command lines as the clients make them (values from their defaults and sources; placeholders {K}, {I}).
    private const string Kdumpctl = "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-6.14.5-300.fc42.x86_64 ro rootflags=subvol=root rhgb novmcoredd hugetlb_cma=0 irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable cma=0 pcie_ports=compat disable_cpu_apicid=0";
    private const string Suse = " mitigations=auto quiet security=apparmor sysrq=yes reset_devices acpi_no_memhotplug cgroup_disable=memory nokaslr numa=off irqpoll nr_cpus=32 root=kdump rootflags=bind rd.udev.children-max=8 disable_cpu_apicid=0   panic=1";
    private const string KdumpConfig = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0e7d5a4c-3b1f-4c2d-9a8e-6f5b4c3d2e1a ro quiet reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb";
    private const string Root = "root=UUID=0e7d5a4c-3b1f-4c2d-9a8e-6f5b4c3d2e1a ro quiet";
    private const string Nix = "init=/nix/store/1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p-nixos-system-nixos-kexec-25.05/init loglevel=4";

    /// <summary>Client, expected answer (a command line for a load; an error's start; "ok" for the rest), argv.</summary>
    public static TheoryData<string, string, string[]> Catalogue => new()
    {
        { "RH-01 kdumpctl (Fedora 42)", "error:" + Crash, new[] { "-s", "-p", "--command-line=" + Kdumpctl, "--initrd={I}", "{K}" } },
        { "RH-02 kdumpctl, Secure Boot", "error:" + Crash, new[] { "-s", "-s", "-p", "--command-line=" + Kdumpctl, "--initrd={I}", "{K}" } },
        { "RH-03 kdumpctl (RHEL 9)", "error:" + Crash, new[] { "-s", "-d", "-p", "--command-line=" + Kdumpctl, "--initrd={I}", "{K}" } },
        { "RH-04 kdumpctl ppc64le", "error:unrecognized option '--dt-no-old-root'", new[] { "--dt-no-old-root", "-s", "-d", "-p", "--command-line=" + Kdumpctl, "--initrd={I}", "{K}" } },
        { "RH-06 kdumpctl i386", "error:" + Crash, new[] { "--elf32-core-headers", "-p", "--command-line=" + Kdumpctl, "--initrd={I}", "{K}" } },
        { "RH-07 kdumpctl i386 PAE", "error:" + Crash, new[] { "--elf64-core-headers", "-p", "--command-line=" + Kdumpctl, "--initrd={I}", "{K}" } },
        { "RH-09 kdumpctl stop", "unload", new[] { "-p", "-u" } },
        { "RH-10 kdumpctl stop, file load", "unload", new[] { "-s", "-p", "-u" } },
        { "SUSE-01 openSUSE kdump", "error:" + Crash, new[] { "-p", "{K}", "--append=" + Suse, "--initrd={I}", "-a" } },
        { "SUSE-02 openSUSE kdump, -s first", "error:" + Crash, new[] { "-p", "{K}", "--append=" + Suse, "--initrd={I}", "-s" } },
        { "SUSE-04 openSUSE unload", "unload", new[] { "-a", "-p", "-u" } },
        { "DEB-01 kdump-config", "error:" + Crash, new[] { "-p", "--command-line=" + KdumpConfig, "--initrd={I}", "{K}" } },
        { "DEB-02 kdump-config, Secure Boot", "error:" + Crash, new[] { "-p", "-s", "--command-line=" + KdumpConfig, "--initrd={I}", "{K}" } },
        { "DEB-03 kdump-config, KDUMP_KEXEC_ARGS", "error:" + Crash, new[] { "-p", "--elf64-core-headers", "--command-line=" + KdumpConfig, "--initrd={I}", "{K}" } },
        { "DEB-04 kdump-config ppc64el ELF", "error:--args-linux: not supported", new[] { "-p", "--args-linux", "--command-line=" + KdumpConfig, "--initrd={I}", "{K}" } },
        { "DKX-01 kexec-load init script", "load:" + "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 " + Root, new[] { "-l", "{K}", "--initrd={I}", "--append=BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 " + Root } },
        { "DKX-02 kexec-load, no initrd", "load-noinitrd:" + Root, new[] { "-l", "{K}", "--append=" + Root } },
        { "DKX-04 kexec init script", "error:" + NothingLoaded, new[] { "-e" } },
        { "SD-01 systemctl kexec", "load:" + Root, new[] { "--load", "{K}", "--append", Root, "--initrd", "{I}" } },
        { "SD-02 systemctl kexec, no initrd", "load-noinitrd:" + Root, new[] { "--load", "{K}", "--append", Root } },
        { "PB-01 petitboot", "load:" + Root, new[] { "-l", "--initrd={I}", "--append=" + Root, "{K}" } },
        { "PB-02 petitboot, -s retry", "load:" + Root, new[] { "-s", "--initrd={I}", "--append=" + Root, "{K}" } },
        { "PB-03 petitboot, debug, dtb, no args", "load:\"\"", new[] { "-l", "--debug", "--initrd={I}", "--dtb=/nonexistent/dtb", "--append=\"\"", "{K}" } },
        { "PB-05 petitboot, forced exec", "error:" + NothingLoaded, new[] { "-e", "-f" } },
        { "NIX-01 prepare-kexec", "load:loglevel=4 " + Nix, new[] { "--load", "{K}", "--initrd={I}", "--append=loglevel=4 " + Nix } },
        { "NIX-02 kexec-boot.sh", "load:" + Nix, new[] { "--load", "--kexec-syscall-auto", "--initrd={I}", "--append=" + Nix, "--", "{K}" } },
        { "NIX-05 netboot kexecScript", "load:" + Nix, new[] { "--load", "{K}", "--initrd={I}", "--command-line", Nix } },
        { "NIX-06 version probe", "ok", new[] { "--version" } },
        { "NIX-08 version probe, short", "ok", new[] { "-v" } },
        { "NXI-01 nixos-images", "load:" + Nix, new[] { "--load", "{K}", "--kexec-syscall-auto", "--initrd={I}", "--no-checks", "--command-line", Nix } },
        { "HDS-02 Heads, debug", "load:" + Root, new[] { "-d", "-l", "{K}", "--initrd={I}", "--append=" + Root } },
        { "HDS-03 Heads, Xen multiboot", "error:--module: not supported", new[] { "-l", "{K}", "--command-line", "placeholder console=none", "--module", "{K} placeholder root=/dev/mapper/qubes_dom0-root" } },
        { "ANA-01 Anaconda", "load:" + Root, new[] { "--initrd", "{I}", "--append", Root, "-l", "{K}" } },
        { "CUR-02 curtin, empty word", "load-noinitrd:" + Root, new[] { "-l", "{K}", "--append=" + Root, "" } },
        { "MIG-01 SUSE migration", "load:" + Root, new[] { "--load", "{K}", "--initrd", "{I}", "--kexec-file-syscall", "--command-line", Root } },
        { "MIG-04 SUSE migration, unload", "unload-normal", new[] { "--unload" } },
        { "KIWI-02 KIWI, empty first word", "error:cannot open the kernel : ENOENT", new[] { "", "--load", "{K}", "--initrd", "{I}", "--command-line", Root } },
        { "KIWI-04 KIWI help", "ok", new[] { "--help" } },
        { "CRB-01 cryptreboot", "reuse:", new[] { "-al", "{K}", "--initrd", "{I}", "--reuse-cmdline" } },
        { "YOMI-02 Yomi, unquoted command line", "error:cannot open the kernel splash=silent: ENOENT", new[] { "-l", "--initrd", "{I}", "--command-line=root=UUID=5f1e8d2c", "splash=silent", "quiet", "{K}" } },
        { "UYU-01 Uyuni saltboot", "reuse:splash=silent salt_device=/dev/sda2 root=/dev/sda3 ", new[] { "--kexec-syscall-auto", "-l", "{K}", "--reuse-cmdline", "--append=splash=silent salt_device=/dev/sda2 root=/dev/sda3 ", "--initrd={I}" } },
        { "LNX-01 kernel selftest", "reuse:", new[] { "-l", "-s", "--reuse-cmdline", "{K}", "--initrd={I}" } },
    };

    [Theory]
    [MemberData(nameof(Catalogue))]
    public void ClientArgv_GetsKexecToolsAnswer(string client, string expected, string[] argv)
    {
        // Ours first: after the client's "--" they would be operands.
        var args = new[] { "--dry-run", "--json" }
            .Concat(argv.Select(a => a.Replace("{K}", files.Kernel, StringComparison.Ordinal).Replace("{I}", files.Initrd, StringComparison.Ordinal))).ToArray();
        var (code, stdout, stderr) = CliTests.Kexec(args);

        if (expected.StartsWith("error:", StringComparison.Ordinal))
        {
            Assert.True(code == 1, $"{client}: exit {code}, {stdout}{stderr}");
            Assert.StartsWith("kexec: " + expected["error:".Length..], stderr.Split('\n')[0], StringComparison.Ordinal);
            return;
        }
        Assert.True(code == 0, $"{client}: exit {code}, {stderr}");
        if (expected == "ok") return;
        using var doc = JsonDocument.Parse(stdout);
        var call = doc.RootElement.GetProperty("calls")[0];
        Assert.Equal("kexec_file_load", call.GetProperty("syscall").GetString());
        Assert.False(call.GetProperty("made").GetBoolean());
        var callArgs = call.GetProperty("args").GetString()!;
        if (expected.StartsWith("unload", StringComparison.Ordinal))
        {
            Assert.EndsWith(expected == "unload" ? "flags=Unload, OnCrash" : "flags=Unload", callArgs, StringComparison.Ordinal);
            return;
        }
        Assert.StartsWith($"kernel_fd=open(\"{files.Kernel}\"), ", callArgs, StringComparison.Ordinal);
        bool initrd = !expected.StartsWith("load-noinitrd:", StringComparison.Ordinal);
        Assert.Contains(initrd ? $"initrd_fd=open(\"{files.Initrd}\")" : "initrd_fd=-1", callArgs, StringComparison.Ordinal);
        Assert.EndsWith(initrd ? "flags=0" : "flags=NoInitramfs", callArgs, StringComparison.Ordinal);
        var line = expected[(expected.IndexOf(':', StringComparison.Ordinal) + 1)..];
        if (expected.StartsWith("reuse:", StringComparison.Ordinal)) line = ReusedCommandLine(line);
        Assert.Equal(Encoding.UTF8.GetBytes(line), doc.RootElement.GetProperty("command_line_bytes").GetBytesFromBase64());
        if (argv.Contains("-d") || argv.Contains("--debug")) Assert.StartsWith("kexec_file_load(", stderr, StringComparison.Ordinal);
    }

    // kexec-tools' --reuse-cmdline: this machine's /proc/cmdline less its BOOT_IMAGE= word, then --append's text.
    private static string ReusedCommandLine(string append)
    {
        var words = File.ReadAllText("/proc/cmdline").Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("BOOT_IMAGE", StringComparison.Ordinal));
        return string.Join(' ', append.Length == 0 ? words : words.Append(append));
    }
}
