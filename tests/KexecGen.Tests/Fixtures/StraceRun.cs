using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>One syscall as qemu-user's <c>-strace</c> printed it: its name, its arguments as printed, and the line.</summary>
public sealed record StraceLine(string Name, List<string> Args, string Text);

/// <summary>
/// A C program of an ABI run under qemu-user's <c>-strace</c>: compiled statically by the ABI's gcc against glibc with
/// 64-bit time and file offsets, its calls separated by <c>close(1000)</c>, <c>close(1001)</c>, … markers, and the
/// syscalls made between each two markers read back.
/// </summary>
public static class StraceRun
{
    /// <summary>
    /// Compiles and runs <paramref name="source"/> for <paramref name="abi"/>; returns the <paramref name="count"/>
    /// segments between its markers close(1000) … close(1000 + count). x86_64 runs under qemu-user too, so that every
    /// ABI's calls are printed alike.
    /// </summary>
    public static List<List<StraceLine>> Segments(AbiSpec abi, string source, int count)
    {
        var gcc = abi.Gcc!;
        var work = Directory.CreateTempSubdirectory("kexecgen-strace-" + abi.Name + "-").FullName;
        var file = Path.Combine(work, "calls.c");
        File.WriteAllText(file, source);
        var program = Path.Combine(work, "calls");
        var compile = ProcessRunner.Run(gcc.Command, TimeSpan.FromMinutes(2),
            abi.Flags.Concat(gcc.Flags).Concat(new[] { "-static", "-O0", "-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64", "-o", program, file }).ToArray());
        Assert.True(compile.Code == 0, $"{gcc.Command} failed (install {gcc.Package} and {gcc.Libc}, as .ci/run does):\n{compile.Err}");

        var qemu = gcc.Run == "native" ? "qemu-x86_64-static" : gcc.Run!;
        var (code, stdout, stderr) = ProcessRunner.Run(qemu, TimeSpan.FromMinutes(2), "-strace", program);
        Assert.True(code == 0, $"{abi.Name}: {qemu} -strace exit {code}\n{stdout}\n{stderr}");
        var segments = Parse(stderr + stdout, count);
        Assert.True(segments.Count == count, $"{abi.Name}: {segments.Count} segments between markers, {count} expected:\n{stderr}");
        Directory.Delete(work, recursive: true);
        return segments;
    }

    /// <summary>Lines for a message: "name(args) | …".</summary>
    public static string Lines(IEnumerable<StraceLine> lines) => string.Join(" | ", lines.Select(l => l.Text));

    // The syscalls qemu's strace shows between close(1000), close(1001), …: one list per segment.
    internal static List<List<StraceLine>> Parse(string trace, int count)
    {
        var segments = new List<List<StraceLine>>();
        List<StraceLine>? current = null;
        foreach (var text in trace.Split('\n'))
        {
            // A number qemu-user does not implement (it answers ENOSYS, printing no argument): preadv2 and
            // clock_settime64 of qemu 7.2 on 32-bit ABIs.
            if (Regex.Match(text, @"^\d+ Unknown syscall (\d+)") is { Success: true } unknown)
            {
                current?.Add(new StraceLine("unknown " + unknown.Groups[1].Value, new List<string>(), text.Trim()));
                continue;
            }
            var m = Regex.Match(text, @"^\d+ (\w+)\((.*)$");
            // m68k's glibc reads its thread pointer with get_thread_area around its calls (errno's, syscall()'s own).
            if (!m.Success || m.Groups[1].Value == "get_thread_area") continue;
            var name = m.Groups[1].Value;
            var args = Args(m.Groups[2].Value);
            if (name == "close" && args.Count == 1 && int.TryParse(args[0], out int fd) && fd >= 1000 && fd <= 1000 + count)
            {
                if (current is not null) segments.Add(current);
                current = fd < 1000 + count ? new List<StraceLine>() : null;
                continue;
            }
            current?.Add(new StraceLine(name, args, $"{name}({string.Join(",", args)})"));
        }
        return segments;
    }

    // The arguments of a printed call, up to its closing parenthesis (the result that follows is left out).
    private static List<string> Args(string rest)
    {
        int depth = 0;
        bool quoted = false;
        for (int i = 0; i < rest.Length; i++)
        {
            char ch = rest[i];
            if (quoted)
            {
                if (ch == '\\') i++;
                else if (ch == '"') quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch is '(' or '{' or '[') depth++;
            else if (ch is ']' or '}') depth--;
            else if (ch == ')')
            {
                if (depth == 0) return rest[..i].Length == 0 ? new List<string>() : SplitTopLevel(rest[..i]).ToList();
                depth--;
            }
        }
        return SplitTopLevel(rest).ToList();
    }

    /// <summary>Splits at the commas outside parentheses, braces, brackets and quotes.</summary>
    public static IEnumerable<string> SplitTopLevel(string text)
    {
        if (text.Trim().Length == 0) yield break;
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            if (quoted)
            {
                if (ch == '\\') i++;
                else if (ch == '"') quoted = false;
            }
            else if (ch == '"') quoted = true;
            else if (ch is '(' or '{' or '[') depth++;
            else if (ch is ')' or '}' or ']') depth--;
            else if (ch == ',' && depth == 0)
            {
                yield return text[start..i].Trim();
                start = i + 1;
            }
        }
        yield return text[start..].Trim();
    }
}
