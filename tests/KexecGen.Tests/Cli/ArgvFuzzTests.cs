using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using KexecGen.Cli;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Random command lines, 10^4 of them (a seeded generator, so a failure replays), each a dry run: most of them what a client could write (an action, a syscall choice, the kernel, an initrd,
/// a command line of any bytes, in any order) then mutated, the rest words drawn from
/// every option's spellings and abbreviations, bundles of short letters, values and files of every kind (a bzImage,
/// a FIFO, a directory, a character device, a missing path), "--", and words of random bytes. Each must end with exit
/// 0 or 1, one error line ("kexec: …") on exit 1 and none on exit 0 (besides -d's copies of the calls), no exception,
/// within the limit.
/// </summary>
public class ArgvFuzzTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly int Runs = int.TryParse(Environment.GetEnvironmentVariable("KEXECGEN_FUZZ_RUNS"), out int n) && n > 0 ? n : 10_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private static readonly string[] DebugCalls = { "kexec_load(", "kexec_file_load(", "reboot(" };

    [Fact]
    public void RandomCommandLines_EndWithZeroOrOne_AndOneLineAtMost()
    {
        var dir = Directory.CreateTempSubdirectory("kexecgen-fuzz-").FullName;
        var bzImage = Path.Combine(dir, "bzImage");
        File.WriteAllBytes(bzImage, Boot.BzImagePlanTests.BzImageFixture(64 * 1024));
        var fifo = Path.Combine(dir, "fifo");
        Assert.Equal(0, ProcessRunner.Run("mkfifo", TimeSpan.FromSeconds(10), fifo).Code);
        try
        {
            var random = new Random(20261207);
            var words = Vocabulary(bzImage, fifo, dir);
            var (succeeded, planned) = (0, 0);
            for (int run = 0; run < Runs; run++)
            {
                var argv = new List<byte[]> { "--dry-run"u8.ToArray() }; // first: a "--" drawn later cannot make it an operand
                if (random.Next(10) < 7)
                {
                    argv.AddRange(Plausible(random, bzImage));
                    for (int m = random.Next(0, 3); m > 0 && argv.Count > 1; m--)
                    {
                        int at = random.Next(1, argv.Count);
                        switch (random.Next(3))
                        {
                            case 0: argv.RemoveAt(at); break;
                            case 1: argv.Insert(at, words[random.Next(words.Count)]); break;
                            default: argv[at] = RandomBytes(random); break;
                        }
                    }
                }
                else
                {
                    for (int i = random.Next(0, 7); i > 0; i--) argv.Add(random.Next(12) == 0 ? RandomBytes(random) : words[random.Next(words.Count)]);
                }
                if (random.Next(3) == 0) argv.Insert(random.Next(1, argv.Count + 1), "--json"u8.ToArray());
                var (code, output) = Check(argv);
                succeeded += code == 0 ? 1 : 0;
                planned += output.Contains("kexec_load(", StringComparison.Ordinal) || output.Contains("kexec_file_load(", StringComparison.Ordinal) ? 1 : 0;
            }
            // The words reach the loads, not only the parser's errors.
            log.WriteLine($"{Runs} runs: {succeeded} exited 0, {planned} printed a load or unload");
            Assert.True(succeeded > Runs / 20 && planned > Runs / 100, $"{succeeded} of {Runs} exited 0, {planned} printed a load: the vocabulary misses the loads");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Code, string Output) Check(List<byte[]> argv)
    {
        var shown = string.Join(' ', argv.Select(InputFile.Shown).Select(w => $"'{w}'"));
        var (output, error) = (new StringWriter(), new StringWriter());
        var run = Task.Run(() => new KexecCommandLine(output, error).Run(argv));
        Assert.True(run.Wait(Limit), $"kexec {shown} did not end within {Limit}");
        int code = run.Result; // an exception fails here, with the command line below
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code is 0 or 1, $"kexec {shown}: exit {code}");
        // One error line on a failure, none on success; besides it only -d's copies of the calls and the plan.
        int errors = lines.Count(l => l.StartsWith("kexec: ", StringComparison.Ordinal));
        bool debugOnly = lines.All(l => l.StartsWith("kexec: ", StringComparison.Ordinal) || l.StartsWith('#') || DebugCalls.Any(c => l.StartsWith(c, StringComparison.Ordinal)));
        Assert.True(errors == (code == 1 ? 1 : 0) && debugOnly, $"kexec {shown}: exit {code}, standard error:\n{error}");
        return (code, output.ToString());
    }

    // Every spelling, abbreviated too, with and without a value; short letters alone and bundled; values and files.
    private static List<byte[]> Vocabulary(string bzImage, string fifo, string dir)
    {
        var words = new List<string> { "--", "-", "-?", "", "-sp", "-lc", "-al", "-ey", "-tbzImage", "-t", "table", "K", bzImage, fifo, dir, "/dev/zero", "/nonexistent", "/bin/true" };
        foreach (var option in KexecOptions.All)
        {
            words.Add("--" + option.Long);
            words.Add("--" + option.Long[..Math.Max(1, option.Long.Length / 2)]);
            foreach (var value in new[] { bzImage, fifo, "/dev/zero", "quiet console=ttyS0", "", "two\nlines" }) words.Add($"--{option.Long}={value}");
            if (option.Short != '\0') words.Add("-" + option.Short);
        }
        return words.Select(w => Encoding.UTF8.GetBytes(w)).ToList();
    }

    // A command line a client could write: an action, a syscall choice, the kernel, an initrd and a command line
    // (spelt either way, bytes of any value), options without effect, in any order.
    private static IEnumerable<byte[]> Plausible(Random random, string kernel)
    {
        string[][] actions = { new[] { "-l" }, new[] { "--load" }, new[] { "-p" }, new[] { "-u" }, new[] { "-p", "-u" }, new[] { "-e" }, new[] { "-S" }, new[] { "-l", "-S" }, new[] { "-f" }, Array.Empty<string>() };
        var parts = new List<List<byte[]>> { actions[random.Next(actions.Length)].Select(a => Encoding.UTF8.GetBytes(a)).ToList() };
        string[] syscalls = { "-s", "-c", "-a", "--kexec-syscall", "--kexec-file-syscall", "" };
        var syscall = syscalls[random.Next(syscalls.Length)];
        if (syscall.Length > 0) parts.Add(new() { Encoding.UTF8.GetBytes(syscall) });
        if (random.Next(5) > 0) parts.Add(new() { Encoding.UTF8.GetBytes(kernel) });
        if (random.Next(2) == 0) parts.Add(random.Next(2) == 0 ? new() { Encoding.UTF8.GetBytes("--initrd=" + kernel) } : new() { "--ramdisk"u8.ToArray(), Encoding.UTF8.GetBytes(kernel) });
        if (random.Next(2) == 0)
        {
            var line = random.Next(3) == 0 ? RandomBytes(random).Where(b => b != (byte)'-').ToArray() : "console=ttyS0 quiet"u8.ToArray();
            parts.Add(random.Next(2) == 0 ? new() { "--append="u8.ToArray().Concat(line).ToArray() } : new() { "--command-line"u8.ToArray(), line });
        }
        if (random.Next(4) == 0) parts.Add(new() { "--reuse-cmdline"u8.ToArray() });
        string[] harmless = { "-d", "-x", "-i", "--elf64-core-headers", "-y", "--no-sync" };
        if (random.Next(3) == 0) parts.Add(new() { Encoding.UTF8.GetBytes(harmless[random.Next(harmless.Length)]) });
        return parts.OrderBy(_ => random.Next()).SelectMany(p => p);
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 12)];
        random.NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == 0) bytes[i] = 0x80; // argv words hold no NUL
        if (bytes.Length > 0 && random.Next(2) == 0) bytes[0] = (byte)'-';
        return bytes;
    }
}
