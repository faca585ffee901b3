using System;

namespace KexecGen.Cli;

/// <summary>The <c>kexec</c> command-line tool.</summary>
public static class Program
{
    /// <summary>Runs the tool; returns the process exit code (0 success, 1 failure, 2 bad usage).</summary>
    public static int Main(string[] args) => new KexecCommandLine(Console.Out, Console.Error).Run(args);
}
