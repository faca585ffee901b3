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
