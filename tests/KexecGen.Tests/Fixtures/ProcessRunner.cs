using System;
using System.Diagnostics;

namespace KexecGen.Tests;

/// <summary>Runs the programs the tests drive: compilers, emulators, our own tools.</summary>
internal static class ProcessRunner
{
    /// <summary>Runs a program to completion within <paramref name="timeout"/>; a missing program fails loudly.</summary>
    public static (int Code, string Out, string Err) Run(string file, TimeSpan timeout, params string[] args) =>
        RunIn(null, file, timeout, args);

    /// <summary>Starts <paramref name="info"/>; where the program is missing, says so and what installs it (<paramref name="install"/>).</summary>
    public static Process Start(ProcessStartInfo info, string install)
    {
        try
        {
            return Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{info.FileName} is not installed ({e.Message}); {install}", e);
        }
    }

    /// <summary>Runs a program in <paramref name="directory"/> (or the current one) to completion within <paramref name="timeout"/>.</summary>
    public static (int Code, string Out, string Err) RunIn(string? directory, string file, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (directory is not null) info.WorkingDirectory = directory;
        foreach (var a in args) info.ArgumentList.Add(a);
        using (var process = Start(info, ".ci/run installs it"))
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
