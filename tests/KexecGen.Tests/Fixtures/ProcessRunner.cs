using System;
using System.Diagnostics;

namespace KexecGen.Tests;

/// <summary>Runs the programs the tests drive: compilers, emulators, our own tools.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs a program to completion within <paramref name="timeout"/>; a missing program fails loudly.</summary>
    public static (int Code, string Out, string Err) Run(string file, TimeSpan timeout, params string[] args) =>
        RunIn(null, file, timeout, args);

    /// <summary>Runs a program in <paramref name="directory"/> (or the current one) to completion within <paramref name="timeout"/>.</summary>
    public static (int Code, string Out, string Err) RunIn(string? directory, string file, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (directory is not null) info.WorkingDirectory = directory;
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{file} is not installed ({e.Message}); .ci/run installs it", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
