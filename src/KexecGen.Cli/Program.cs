using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace KexecGen.Cli;

/// <summary>The <c>kexec</c> command-line tool.</summary>
public static class Program
{
    /// <summary>Runs the tool on its arguments byte for byte; returns the process exit code (0 success, 1 failure or bad usage).</summary>
    public static int Main(string[] args) => new KexecCommandLine(Console.Out, Console.Error).Run(RawArguments(args));

    /// <summary>
    /// The arguments as the kernel gave them, bytes and all: .NET decodes argv as UTF-8 and replaces what is not UTF-8,
    /// so the last <paramref name="args"/>.Length words of /proc/self/cmdline are taken where each decodes to the
    /// argument .NET gave (else, where the two cannot be matched, the decoded arguments, encoded again).
    /// </summary>
    internal static IReadOnlyList<byte[]> RawArguments(string[] args)
    {
        var encoded = args.Select(a => Encoding.UTF8.GetBytes(a)).ToList();
        byte[] cmdline;
        try
        {
            cmdline = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return encoded;
        }
        var words = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] != 0) continue;
            words.Add(cmdline[start..i]);
            start = i + 1;
        }
        if (words.Count < args.Length) return encoded;
        var tail = words.Skip(words.Count - args.Length).ToList();
        return tail.Select((w, i) => Encoding.UTF8.GetString(w) == args[i]).All(same => same) ? tail : encoded;
    }
}
