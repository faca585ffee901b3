using System;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text.Json;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The kernel and initrd as the tool opens them, in a dry run as in a real one: by their path's bytes, never blocking,
/// and refused in one line naming what each is when it is not a file that can be read whole.
/// </summary>
public class CliFileTests
{
    private static string Temp(string name) => Path.Combine(Path.GetTempPath(), $"kexecgen-{name}-{Guid.NewGuid():N}");

    public static TheoryData<string> Loads => new() { "-s", "-c", "-a" };

    [Theory]
    [MemberData(nameof(Loads))]
    public void NotAFile_IsRefused_InOneLineNamingIt(string syscall)
    {
        var directory = Directory.CreateTempSubdirectory("kexecgen-dir-").FullName;
        var fifo = Temp("fifo");
        Assert.Equal(0, ProcessRunner.Run("mkfifo", TimeSpan.FromSeconds(10), fifo).Code);
        var empty = Temp("empty");
        File.WriteAllBytes(empty, Array.Empty<byte>());
        var socketPath = Temp("socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        try
        {
            foreach (var (args, reason) in new[]
            {
                (new[] { "-l", directory }, $"the kernel {directory} is a directory"),
                (new[] { "-l", fifo }, $"the kernel {fifo} is a FIFO (named pipe)"),
                (new[] { "-l", empty }, $"the kernel {empty} is empty"),
                (new[] { "-l", "/dev/null" }, "the kernel /dev/null is a character device"),
                (new[] { "-l", "/bin/true", "--initrd", "/dev/zero" }, "the initrd /dev/zero is a character device"),
                (new[] { "-l", "/bin/true", "--initrd", fifo }, $"the initrd {fifo} is a FIFO (named pipe)"),
                (new[] { "-l", socketPath }, $"cannot open the kernel {socketPath}: ENXIO"),
                (new[] { "-l", "/nonexistent/kexecgen" }, "cannot open the kernel /nonexistent/kexecgen: ENOENT: No such file or directory"),
                (new[] { "-c", "-l", CliLoadTests.FakeKernel.Value, "--dtb", fifo }, $"the device tree {fifo} is a FIFO (named pipe)"),
            })
            {
                // A FIFO would block an open or a read for ever; the process runner's limit would fail the test.
                var (code, stdout, stderr) = CliTests.Kexec(args.Prepend(syscall).Append("--dry-run").ToArray());

                Assert.True(code == 1, $"{string.Join(' ', args)}: exit {code}, {stderr}");
                Assert.Equal("", stdout);
                var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("kexec: " + reason, line, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(directory);
            File.Delete(fifo);
            File.Delete(empty);
            File.Delete(socketPath);
        }
    }

    [Fact]
    public void BlockDevice_ServesAsTheInitrd_ReadWhole_ButNotForKexecFileLoad()
    {
        // A loop device over a 1 MiB file of a pattern: kexec-tools reads a block device whole as the initrd.
        var backing = Temp("loop");
        File.WriteAllBytes(backing, Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 7)).ToArray());
        var (attached, device, err) = ProcessRunner.Run("losetup", TimeSpan.FromSeconds(30), "--find", "--show", "--read-only", backing);
        Assert.True(attached == 0, $"losetup (util-linux, as root) could not attach a loop device: {err}");
        device = device.Trim();
        try
        {
            var (code, stdout, stderr) = CliTests.Kexec("-c", "-l", CliLoadTests.FakeKernel.Value, "--initrd", device, "--dry-run", "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            var initrd = Assert.Single(doc.RootElement.GetProperty("plan").GetProperty("segments").EnumerateArray(), s => s.GetProperty("contents").GetString() == "initrd");
            Assert.Equal(1 << 20, initrd.GetProperty("bufsz").GetInt32());

            (code, _, stderr) = CliTests.Kexec("-s", "-l", CliLoadTests.FakeKernel.Value, "--initrd", device, "--dry-run");
            Assert.Equal(1, code);
            Assert.StartsWith($"kexec: kexec_file_load takes a regular file as the initrd, not the block device {device}", stderr, StringComparison.Ordinal);

            (code, stdout, stderr) = CliTests.Kexec("-a", "-l", CliLoadTests.FakeKernel.Value, "--initrd", device, "--dry-run");
            Assert.True(code == 0, stderr);
            Assert.StartsWith("# the initrd is a block device, which kexec_file_load does not take: kexec_load through our own loader", stdout, StringComparison.Ordinal);
            Assert.Contains("kexec_load(", stdout, StringComparison.Ordinal);
        }
        finally
        {
            ProcessRunner.Run("losetup", TimeSpan.FromSeconds(30), "-d", device);
            File.Delete(backing);
        }
    }

    [Fact]
    public void CrashLoad_ByKexecFileLoad_WithoutAReservation_IsRefusedInTheDryRunToo()
    {
        // This machine was booted without crashkernel=; kexec-tools refuses -p here before any syscall.
        var (code, stdout, stderr) = CliTests.Kexec("-s", "-p", "/bin/true", "--dry-run");

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("kexec: no memory is reserved for a crash kernel (no \"Crash kernel\" in /proc/iomem): boot with crashkernel=", stderr.Trim());
    }

    [Fact]
    public void PathAndCommandLine_OfAnyBytes_ReachTheDryRun_ByteForByte()
    {
        // argv is bytes: a shell passes these (not UTF-8) as they are, and .NET alone would have turned them into U+FFFD.
        var dir = Directory.CreateTempSubdirectory("kexecgen-bytes-").FullName;
        var kexec = Path.Combine(AppContext.BaseDirectory, "kexec.dll");
        try
        {
            var script = $"""
                k="$(printf '{dir}/k\377\200')"; cp {CliLoadTests.FakeKernel.Value} "$k"
                exec dotnet {kexec} -s -l "$k" --append "$(printf 'a\377b\200\300c')" --dry-run --json
                """;
            var (code, stdout, stderr) = ProcessRunner.Run("sh", TimeSpan.FromMinutes(1), "-c", script);

            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.Equal(new byte[] { (byte)'a', 0xff, (byte)'b', 0x80, 0xc0, (byte)'c' }, doc.RootElement.GetProperty("command_line_bytes").GetBytesFromBase64());
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("command_line").ValueKind);
            var args = doc.RootElement.GetProperty("calls")[0].GetProperty("args").GetString()!;
            Assert.Contains($"kernel_fd=open(\"{dir}/k\\xff\\x80\")", args, StringComparison.Ordinal);
            Assert.Contains("cmdline_len=7, cmdline=\"a\\xffb\\x80\\xc0c\"", args, StringComparison.Ordinal);
        }
        finally
        {
            ProcessRunner.Run("rm", TimeSpan.FromMinutes(1), "-rf", dir); // .NET cannot name the file to delete it
        }
    }
}
