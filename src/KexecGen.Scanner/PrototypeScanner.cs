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
    public static readonly string[] Files = { "arch/{0}/include/asm/syscalls.h", "include/linux/syscalls.h", "include/linux/compat.h" };

    /// <summary>The kernel header whose plain typedefs give the compat entry points' types (compat_ulong_t is u32).</summary>
    public const string CompatTypes = "include/asm-generic/compat.h";

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
        typedef unsigned long uintptr_t;

        """;

    /// <summary>A declaration found in the source: where, and its parameters as written.</summary>
    internal sealed record Declaration(string Source, List<(string Name, string Type, bool Pointer)> Parameters);

    /// <summary>
    /// The prototypes of <paramref name="names"/> on <paramref name="abi"/>, and its byte order, answered by
    /// <paramref name="answer"/> (the ABI's compiler); a syscall the kernel declares nowhere, or more than once
    /// differently (per configuration), gets none. Where the ABI's syscall table routes a syscall to an entry point of
    /// its own (powerpc's sys_ppc_pread64), that entry point's arguments come too.
    /// </summary>
    public static (List<ScannedPrototype> Prototypes, string ByteOrder) Scan(
        AbiSpec abi, string sourceRoot, IEnumerable<string> names, string includes, Func<ValueProbe, Dictionary<string, long>> answer)
    {
        // The byte order first: the kernel's SC_ARG64 parameters (SuperH's entry points) name their halves in it.
        var order = new ValueProbe(Prelude);
        order.Ask("$big_endian", "__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__");
        order.Ask("$pointer", "sizeof(void *)");
        var first = answer(order);
        if (!first.TryGetValue("$big_endian", out long big)) throw new ScanException($"ABI '{abi.Name}': its compiler did not say its byte order");
        // Declarations under a conditional the ABI's kernel does not compile (riscv's CONFIG_32BIT mmap2, x86's
        // sys_x86_64.c on i386) are not its prototypes.
        var config = KernelConfig.For(abi.Table, (int)first["$pointer"]);

        var found = new List<(string Name, Declaration Declaration, string? Entry, Declaration? EntryDeclaration)>();
        foreach (var name in names.Distinct())
        {
            var entry = abi.Table is { } table ? Entry(sourceRoot, abi.KernelArch, table, name) : null;
            if (entry == "sys_" + name) entry = null;
            var own = Find(sourceRoot, abi.KernelArch, "sys_" + name, big != 0, config);
            var reached = entry is null ? null : Find(sourceRoot, abi.KernelArch, entry, big != 0, config);
            // A syscall with no sys_NAME of its own (clock_gettime64 on a 32-bit ABI, a row the kernel fills with
            // sys_ni_syscall) has its entry point's prototype; the entry is kept, as it says which function runs.
            if (own is null && reached is not null) own = reached;
            if (own is not { } declaration) continue;
            found.Add((name, declaration, entry, reached));
        }
        var probe = new ValueProbe(Prelude + CompatTypedefs(sourceRoot) + includes);
        var parameters = found.SelectMany(f => f.Declaration.Parameters.Concat(f.EntryDeclaration?.Parameters ?? new()));
        var types = parameters.Where(p => !p.Pointer).Select(p => p.Type).Distinct().ToList();
        for (int i = 0; i < types.Count; i++)
        {
            // An enum argument is an int to the ABI (its uapi header, linux/landlock.h, is not always among those
            // included): the kernel's SYSCALL_DEFINE reads the register as long and casts it to the enum.
            var type = types[i].StartsWith("enum ", StringComparison.Ordinal) ? "int" : types[i];
            probe.Ask($"$size {i}", $"sizeof({type})");
            probe.Ask($"$signed {i}", $"(({type})-1) < (({type})0)");
            probe.Ask($"$class {i}", $"__builtin_classify_type(({type})0)");
        }
        probe.Ask("$pointer", "sizeof(void *)");
        var values = answer(probe);
        int pointer = (int)values["$pointer"];

        EquatableArray<ScannedArg> Args(Declaration declaration) => declaration.Parameters.Select(p =>
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
        }).ToEquatableArray();

        // An entry point that is the prototype itself is written once: its source, no entry_args.
        var prototypes = found.Select(f => new ScannedPrototype(f.Name, f.Declaration.Source, Args(f.Declaration), LocationInfo.FileStart(f.Declaration.Source),
            f.Entry, f.EntryDeclaration?.Source ?? "",
            f.EntryDeclaration is { } e && !ReferenceEquals(e, f.Declaration) ? Args(e) : EquatableArray<ScannedArg>.Empty)).ToList();
        return (prototypes, big != 0 ? "big" : "little");
    }

    // The kernel's own "typedef u32 compat_size_t;" lines: the types of the compat entry points x32 and MIPS n32 reach.
    internal static string CompatTypedefs(string sourceRoot)
    {
        var path = Path.Combine(sourceRoot, CompatTypes);
        if (!File.Exists(path)) return "";
        var lines = Regex.Matches(File.ReadAllText(path), @"^typedef [us](?:8|16|32|64) compat_\w+;$", RegexOptions.Multiline).Select(m => m.Value);
        return string.Join("\n", lines.Distinct()) + "\n";
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Texts = new(StringComparer.Ordinal);

    // A source file without its comments, read once per run.
    private static string Text(string path) => Texts.GetOrAdd(path, p => WithoutComments(File.ReadAllText(p)));

    /// <summary>
    /// The entry point the ABI's syscall table gives <paramref name="name"/> (its native column), after the arch's own
    /// <c>#define sys_X sys_Y</c> redirections (csky's fadvise64_64); null where the table has no row for it.
    /// </summary>
    internal static string? Entry(string sourceRoot, string kernelArch, TableSpec table, string name)
    {
        var path = Path.Combine(sourceRoot, table.File);
        if (!File.Exists(path)) throw new ScanException($"the syscall table {table.File} is not in {sourceRoot} (make it: dotnet run --project src/KexecGen.Scanner -- requirements | .ci/install-uapi-headers)");
        string? entry = null;
        foreach (var fields in Rows(path, table))
        {
            if (fields[2] != name) continue;
            // A row without an entry point is numbered but filled with sys_ni_syscall by the kernel's table generator.
            entry = fields.Length < 4 ? NotImplemented : fields[3];
            break;
        }
        if (entry is null) return null;
        foreach (var file in ArchSources(sourceRoot, kernelArch))
        {
            var text = Text(file);
            if (!text.Contains(entry, StringComparison.Ordinal)) continue;
            var redirect = Regex.Match(text, @"^#define\s+" + Regex.Escape(entry) + @"\s+([A-Za-z_]\w*)\s*$", RegexOptions.Multiline);
            if (redirect.Success) return redirect.Groups[1].Value;
        }
        return entry;
    }

    private const string NotImplemented = ScannedPrototype.NotImplementedEntry;

    // The rows of the table's ABI columns: number, column, name and, where it has one, the entry point and more.
    private static IEnumerable<string[]> Rows(string path, TableSpec table) =>
        File.ReadLines(path).Select(line => line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 3 && !fields[0].StartsWith('#') && table.Abis.Contains(fields[1]));

    /// <summary>
    /// The other rows of the ABI's table that run a function some table of the kernel runs for <paramref name="name"/>
    /// (i386's clock_gettime64 runs sys_clock_gettime, which x86_64's clock_gettime runs; chown32 runs sys_chown): where
    /// <paramref name="name"/>'s own row runs an older entry (sys_clock_gettime32, sys_chown16), the stub can call one
    /// of these instead, as glibc does.
    /// </summary>
    internal static IEnumerable<string> Aliases(string sourceRoot, TableSpec table, string name)
    {
        var path = Path.Combine(sourceRoot, table.File);
        if (!File.Exists(path)) return Enumerable.Empty<string>();
        var runs = AllRows(sourceRoot).Where(f => f.Length >= 4 && f[2] == name && f[3] != NotImplemented).Select(f => f[3]).ToHashSet(StringComparer.Ordinal);
        return Rows(path, table).Where(f => f.Length >= 4 && f[2] != name && runs.Contains(f[3])).Select(f => f[2]).Distinct().ToList();
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<string[]>> TableRows = new(StringComparer.Ordinal);

    // Every row of every syscall table in the kernel source, whatever its ABI column.
    private static List<string[]> AllRows(string sourceRoot) => TableRows.GetOrAdd(sourceRoot, root =>
        Directory.EnumerateFiles(root, "*.tbl", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal)
            .SelectMany(File.ReadLines).Select(line => line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 3 && !fields[0].StartsWith('#')).ToList());

    // The arch's own C sources, where its syscall definitions and table redirections are.
    private static IEnumerable<string> ArchSources(string sourceRoot, string kernelArch)
    {
        var dir = Path.Combine(sourceRoot, "arch", kernelArch, "kernel");
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.c").OrderBy(f => f, StringComparer.Ordinal) : Enumerable.Empty<string>();
    }

    /// <summary>
    /// The one declaration or definition of <paramref name="symbol"/> (sys_pread64, parisc_pread64): the arch's own
    /// C sources first (SYSCALL_DEFINEn or a plain definition, which override the generic ones), then its
    /// asm/syscalls.h, then include/linux/syscalls.h; null if none, or several that differ.
    /// </summary>
    internal static Declaration? Find(string sourceRoot, string kernelArch, string symbol, bool bigEndian, KernelConfig? config = null)
    {
        var found = Declarations(sourceRoot, kernelArch, symbol, bigEndian, config);
        if (found is null || found.Any(d => d is null)) return null;
        var distinct = found.Select(d => string.Join(",", d!.Parameters.Select(p => p.Type + " " + p.Name))).Distinct().Count();
        return distinct == 1 ? Named(sourceRoot, symbol, found[0]!) : null;
    }

    /// <summary>
    /// The declarations of <paramref name="symbol"/> in the first file that has any the ABI's kernel may compile (a
    /// null for one whose form is not understood); those under a condition <paramref name="config"/> makes false are
    /// skipped. Null where no file has one.
    /// </summary>
    internal static List<Declaration?>? Declarations(string sourceRoot, string kernelArch, string symbol, bool bigEndian, KernelConfig? config)
    {
        var files = ArchSources(sourceRoot, kernelArch).Select(f => Path.GetRelativePath(sourceRoot, f))
            .Concat(Files.Select(f => string.Format(System.Globalization.CultureInfo.InvariantCulture, f, kernelArch)));
        foreach (var relative in files)
        {
            var path = Path.Combine(sourceRoot, relative);
            if (!File.Exists(path)) continue;
            var text = Text(path);
            // SYSCALL_DEFINEn(pread64, …) defines sys_pread64 without spelling it.
            var defined = symbol.StartsWith("sys_", StringComparison.Ordinal) ? symbol[4..] : null;
            if (!text.Contains(defined ?? symbol, StringComparison.Ordinal)) continue;
            var declarations = new List<Declaration?>();
            if (defined is not null)
            {
                // include/linux/syscalls.h's SC_ARG64(name): a 64-bit argument as two u32 halves, in the ABI's byte order.
                var halves = bigEndian ? "u32, $1_hi, u32, $1_lo" : "u32, $1_lo, u32, $1_hi";
                var expanded = Regex.Replace(text, @"\bSC_ARG64\(\s*([A-Za-z_]\w*)\s*\)", halves);
                foreach (Match m in Regex.Matches(expanded, @"^SYSCALL_DEFINE(\d)\(\s*" + Regex.Escape(defined) + @"\s*((?:,[^,()]+,\s*[A-Za-z_]\w*\s*)*)\)", RegexOptions.Multiline))
                {
                    // SYSCALL_DEFINEn counts the C arguments before SC_ARG64 splits one into two.
                    int count = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    int line = Line(expanded, m.Index);
                    if (config?.Holds(CompiledCode.At(sourceRoot, relative, text, line)) == false) continue;
                    declarations.Add(ParseDefine(m.Groups[2].Value) is { } ps && ps.Count >= count
                        ? new Declaration($"{relative}:{line}", ps) : null);
                }
            }
            foreach (Match m in Regex.Matches(text, @"^[ \t]*(?!return\b)(?:asmlinkage\s+)?[A-Za-z_][\w \t]*?[\s\*]" + Regex.Escape(symbol) + @"\s*\(([^;{}()]*)\)\s*[;{]", RegexOptions.Multiline))
            {
                int line = Line(text, m.Index);
                if (config?.Holds(CompiledCode.At(sourceRoot, relative, text, line)) == false) continue;
                declarations.Add(Parse(m.Groups[1].Value) is { } ps ? new Declaration($"{relative}:{line}", ps) : null);
            }
            if (declarations.Count > 0) return declarations;
        }
        return null;
    }

    // A declaration that leaves names out (include/linux/syscalls.h's sys_accept(int, struct sockaddr __user *, int __user *))
    // takes them from the kernel's one SYSCALL_DEFINEn of the function, where its arguments are as many.
    private static Declaration Named(string sourceRoot, string symbol, Declaration declaration)
    {
        if (!declaration.Parameters.Any(p => Unnamed().IsMatch(p.Name))) return declaration;
        if (!Definitions(sourceRoot).TryGetValue(symbol, out var defined)) return declaration;
        var names = defined.Where(d => d.Count == declaration.Parameters.Count).Select(d => string.Join(",", d)).Distinct().ToList();
        if (names.Count != 1) return declaration;
        var chosen = names[0].Split(',');
        return declaration with { Parameters = declaration.Parameters.Select((p, i) => (chosen[i], p.Type, p.Pointer)).ToList() };
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Dictionary<string, List<List<string>>>> DefinitionIndex = new(StringComparer.Ordinal);

    /// <summary>
    /// The argument names of every SYSCALL_DEFINEn and COMPAT_SYSCALL_DEFINEn outside arch/ (the generic definitions:
    /// kernel/, fs/, net/, mm/…), by the function they define (sys_accept, compat_sys_preadv), read once per run.
    /// </summary>
    internal static Dictionary<string, List<List<string>>> Definitions(string sourceRoot) => DefinitionIndex.GetOrAdd(sourceRoot, root =>
    {
        var index = new Dictionary<string, List<List<string>>>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(root, "*.c", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).StartsWith("arch" + Path.DirectorySeparatorChar, StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var text = Text(file);
            if (!text.Contains("SYSCALL_DEFINE", StringComparison.Ordinal)) continue;
            foreach (Match m in Regex.Matches(text, @"^(COMPAT_)?SYSCALL_DEFINE(\d)\(\s*([A-Za-z_]\w*)\s*((?:,[^,()]+,\s*[A-Za-z_]\w*\s*)*)\)", RegexOptions.Multiline))
            {
                if (ParseDefine(m.Groups[4].Value) is not { } ps || ps.Count != int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) continue;
                var symbol = (m.Groups[1].Success ? "compat_sys_" : "sys_") + m.Groups[3].Value;
                if (!index.TryGetValue(symbol, out var list)) index[symbol] = list = new List<List<string>>();
                list.Add(ps.Select(p => p.Name).ToList());
            }
        }
        return index;
    });

    private static int Line(string text, int index) => 1 + text.Take(index).Count(c => c == '\n');

    // ", int, fd, char __user *, buf" → (fd, int), (buf, char *, pointer).
    private static List<(string Name, string Type, bool Pointer)>? ParseDefine(string pairs)
    {
        var items = pairs.Split(',').Skip(1).Select(x => Regex.Replace(x, @"\s+", " ").Trim()).ToList();
        if (items.Count % 2 != 0) return null;
        var parameters = new List<string>();
        for (int i = 0; i < items.Count; i += 2) parameters.Add(items[i] + " " + items[i + 1]);
        return Parse(string.Join(", ", parameters));
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

    [GeneratedRegex("^arg[0-9]+$")]
    private static partial Regex Unnamed();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
