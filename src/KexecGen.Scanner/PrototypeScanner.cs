using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KexecGen.Config;

namespace KexecGen.Scanner;

/// <summary>
/// Reads each bound syscall's prototype from the pinned kernel source (the ABI's arch/&lt;ARCH&gt;/include/asm/syscalls.h
/// first, then include/linux/syscalls.h: the kernel's own declarations of <c>sys_NAME</c>) and asks the ABI's compiler
/// how wide each argument is, and whether it is signed or a pointer. The kernel's internal type names are given their
/// uapi meaning first, as the kernel's include/linux/types.h gives them.
/// </summary>
internal static partial class PrototypeScanner
{
    /// <summary>The prototype files, below the kernel source folder, searched in this order ({0}: the kernel ARCH).</summary>
    public static readonly string[] Files = { "arch/{0}/include/asm/syscalls.h", "include/linux/syscalls.h" };

    /// <summary>Headers that define the kernel's type names in uapi terms, and the names the kernel's own headers add.</summary>
    internal const string Prelude = """
        #define __user
        #define __force
        #include <linux/types.h>
        #include <linux/posix_types.h>
        #include <linux/aio_abi.h>
        #include <linux/capability.h>
        #include <linux/fs.h>
        #include <asm/signal.h>
        typedef __kernel_loff_t loff_t;
        typedef __kernel_off_t off_t;
        typedef __kernel_size_t size_t;
        typedef __kernel_ssize_t ssize_t;
        typedef __kernel_pid_t pid_t;
        typedef __kernel_uid32_t uid_t;
        typedef __kernel_gid32_t gid_t;
        typedef __kernel_uid32_t qid_t;
        typedef __kernel_old_uid_t old_uid_t;
        typedef __kernel_old_gid_t old_gid_t;
        typedef unsigned short umode_t;
        typedef __kernel_clockid_t clockid_t;
        typedef __kernel_timer_t timer_t;
        typedef __kernel_mqd_t mqd_t;
        typedef __kernel_key_t key_t;
        typedef __kernel_rwf_t rwf_t;
        typedef __s32 key_serial_t;
        typedef __kernel_fd_set fd_set;
        typedef __u8 u8;
        typedef __u16 u16;
        typedef __u32 u32;
        typedef __u64 u64;
        typedef __s8 s8;
        typedef __s16 s16;
        typedef __s32 s32;
        typedef __s64 s64;
        typedef __u32 uint32_t;
        typedef __u64 uint64_t;
        typedef __s32 int32_t;
        typedef __s64 int64_t;

        """;

    /// <summary>A declaration found in the source: where, and its parameters as written.</summary>
    internal sealed record Declaration(string Source, List<(string Name, string Type, bool Pointer)> Parameters);

    /// <summary>
    /// The prototypes of <paramref name="names"/> on <paramref name="abi"/>, and its byte order, answered by
    /// <paramref name="answer"/> (the ABI's compiler); a syscall the kernel declares nowhere, or more than once
    /// differently (per configuration), gets none.
    /// </summary>
    public static (List<ScannedPrototype> Prototypes, string ByteOrder) Scan(
        AbiSpec abi, string sourceRoot, IEnumerable<string> names, string includes, Func<ValueProbe, Dictionary<string, long>> answer)
    {
        var found = new List<(string Name, Declaration Declaration)>();
        foreach (var name in names.Distinct())
        {
            if (Find(sourceRoot, abi.KernelArch, name) is { } declaration) found.Add((name, declaration));
        }
        var probe = new ValueProbe(Prelude + includes);
        probe.Ask("$big_endian", "__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__");
        var types = found.SelectMany(f => f.Declaration.Parameters).Where(p => !p.Pointer).Select(p => p.Type).Distinct().ToList();
        for (int i = 0; i < types.Count; i++)
        {
            probe.Ask($"$size {i}", $"sizeof({types[i]})");
            probe.Ask($"$signed {i}", $"(({types[i]})-1) < (({types[i]})0)");
            probe.Ask($"$class {i}", $"__builtin_classify_type(({types[i]})0)");
        }
        probe.Ask("$pointer", "sizeof(void *)");
        var values = answer(probe);
        if (!values.TryGetValue("$big_endian", out long big)) throw new ScanException($"ABI '{abi.Name}': its compiler did not say its byte order");
        int pointer = (int)values["$pointer"];

        var prototypes = new List<ScannedPrototype>();
        foreach (var (name, declaration) in found)
        {
            var args = declaration.Parameters.Select(p =>
            {
                if (p.Pointer) return new ScannedArg(p.Name, p.Type, pointer, ScannedArg.Pointer);
                int i = types.IndexOf(p.Type);
                // A type the compiler cannot size here (a name only the kernel's own headers define) is recorded as
                // width 0: a binding that uses it is refused, the rest of the scan goes on.
                if (!values.TryGetValue($"$size {i}", out long size)) return new ScannedArg(p.Name, p.Type, 0, ScannedArg.Signed);
                // gcc and clang class 5: a pointer type (a typedef of one, as cap_user_header_t is).
                bool isPointer = values.TryGetValue($"$class {i}", out long cls) && cls == 5;
                bool signed = values.TryGetValue($"$signed {i}", out long s) && s != 0;
                return new ScannedArg(p.Name, p.Type, (int)size, isPointer ? ScannedArg.Pointer : signed ? ScannedArg.Signed : ScannedArg.Unsigned);
            });
            prototypes.Add(new ScannedPrototype(name, declaration.Source, args.ToEquatableArray(), LocationInfo.FileStart(declaration.Source)));
        }
        return (prototypes, big != 0 ? "big" : "little");
    }

    /// <summary>The one declaration of <c>sys_NAME</c> in the ABI's prototype files, the arch's own first; null if none or several that differ.</summary>
    internal static Declaration? Find(string sourceRoot, string kernelArch, string name)
    {
        foreach (var relative in Files.Select(f => string.Format(System.Globalization.CultureInfo.InvariantCulture, f, kernelArch)))
        {
            var path = Path.Combine(sourceRoot, relative);
            if (!File.Exists(path)) continue;
            var text = WithoutComments(File.ReadAllText(path));
            var matches = Regex.Matches(text, @"(?<=^|[;}\s])(?:asmlinkage\s+)?[A-Za-z_][A-Za-z0-9_]*\s+sys_" + Regex.Escape(name) + @"\s*\(([^;{}]*)\)\s*;");
            var declarations = matches.Select(m => Parse(m.Groups[1].Value) is { } ps
                ? new Declaration($"{relative}:{1 + text.Take(m.Index).Count(c => c == '\n')}", ps) : null).ToList();
            if (declarations.Count == 0) continue;
            if (declarations.Any(d => d is null)) return null;
            var distinct = declarations.Select(d => string.Join(",", d!.Parameters.Select(p => p.Type))).Distinct().Count();
            return distinct == 1 ? declarations[0] : null;
        }
        return null;
    }

    // "unsigned int fd, char __user *buf, size_t" → (fd, unsigned int), (buf, char *, pointer), (arg3, size_t); null for a
    // form not understood (a function-pointer parameter, varargs).
    internal static List<(string Name, string Type, bool Pointer)>? Parse(string parameters)
    {
        var text = Regex.Replace(parameters, @"\s+", " ").Trim();
        var result = new List<(string, string, bool)>();
        if (text is "void" or "") return result;
        int index = 0;
        foreach (var raw in text.Split(','))
        {
            index++;
            var p = Regex.Replace(Regex.Replace(raw, @"\b(__user|__force)\b", " "), @"\s+", " ").Trim();
            if (p.IndexOfAny(new[] { '(', ')', '[', '.' }) >= 0 || p.Length == 0) return null;
            var trailing = TrailingName().Match(p);
            var rest = trailing.Success ? trailing.Groups[1].Value.Trim() : p;
            // "int fd" is named; "size_t", "unsigned long" and "struct foo" are a type alone.
            bool named = trailing.Success && rest.Length > 0 && !TypeWords.Contains(trailing.Groups[2].Value)
                && rest is not ("struct" or "union" or "enum");
            var name = named ? trailing.Groups[2].Value : $"arg{index}";
            var type = Regex.Replace(Regex.Replace(named ? rest : p, @"\s*\*", " *"), @"\* \*", "**").Trim();
            type = Regex.Replace(type, @"\s+", " ");
            if (!Identifier().IsMatch(name)) return null;
            result.Add((name, type, type.EndsWith('*')));
        }
        return result;
    }

    private static readonly HashSet<string> TypeWords = new(StringComparer.Ordinal) { "int", "long", "short", "char", "unsigned", "signed", "void", "const" };

    // Comments become spaces, their newlines kept, so that line numbers stay true.
    private static string WithoutComments(string text) =>
        Regex.Replace(text, @"/\*.*?\*/|//[^\n]*", m => new string(m.Value.Where(c => c == '\n').ToArray()) + " ", RegexOptions.Singleline);

    [GeneratedRegex("^(.*?)([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex TrailingName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
