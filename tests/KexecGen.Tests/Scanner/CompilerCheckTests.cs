using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using KexecGen.Config;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// Every number in headers/ checked by the ABI's own cross gcc, the way the libc crate's ctest does it: a C file of
/// static assertions (each constant, each syscall number, each struct's size, alignment and field offsets, the byte
/// order, and the width of every argument of every syscall prototype and entry point) must compile for the ABI. It
/// shares nothing with the scan that wrote the file but the headers and the kernel's type names.
/// </summary>
public class CompilerCheckTests
{
    public static TheoryData<string> AbisWithGcc => new(Repo.Arches.Abis.Where(a => a.Gcc is not null).Select(a => a.Name));

    [Theory]
    [MemberData(nameof(AbisWithGcc))]
    public void HeadersFile_AgreesWithTheAbisCrossGcc(string abi)
    {
        var spec = Repo.Arches.Abis.Single(a => a.Name == abi);

        var (ok, errors) = StaticAssertions(spec, Repo.Scanned(abi));

        Assert.True(ok, $"{spec.Gcc!.Command} disagrees with headers/{abi}.yaml:\n{errors}");
    }

    public static TheoryData<string> WideAbisWithGcc => new(Repo.Arches.Abis.Where(a => a.Gcc is not null && a.Args64 is not null).Select(a => a.Name));

    // The consumer's pread64, pwrite64, fallocate and sync_file_range prototypes (loff_t, size_t, the arch's own
    // entry points with their u32 halves) checked by the same second compiler.
    [Theory]
    [MemberData(nameof(WideAbisWithGcc))]
    public void WideArgumentPrototypes_AgreeWithTheAbisCrossGcc(string abi)
    {
        var spec = WideArgsBindings.Instance.Arches.Abis.Single(a => a.Name == abi);
        var scanned = WideArgsBindings.Instance.Scanned.Single(s => s.Abi == abi);
        Assert.Contains(scanned.Prototypes, p => p.Name == "pread64");

        var (ok, errors) = StaticAssertions(spec, scanned);

        Assert.True(ok, $"{spec.Gcc!.Command} disagrees with the scanned prototypes of {abi}:\n{errors}");
    }

    public static TheoryData<string> CatalogueAbisWithGcc => new(CatalogueBindings.Instance.Arches.Abis.Where(a => a.Gcc is not null).Select(a => a.Name));

    // The catalogue's records of every shape (nested, arrays, unions, anonymous members, flexible arrays, bit-fields),
    // its ioctl numbers and its syscalls' prototypes, checked by the ABI's gcc as the repository's own table is.
    [Theory]
    [MemberData(nameof(CatalogueAbisWithGcc))]
    public void CatalogueHeaders_AgreeWithTheAbisCrossGcc(string abi)
    {
        var spec = CatalogueBindings.Instance.Arches.Abis.Single(a => a.Name == abi);
        var scanned = CatalogueBindings.Instance.Scanned.Single(s => s.Abi == abi);
        Assert.Contains(scanned.Structs, s => s.Kind == ScannedStruct.Union);
        Assert.Contains(scanned.Structs, s => s.Fields.Any(f => f.Bits > 0));

        var (ok, errors) = StaticAssertions(spec, scanned);
        Assert.True(ok, $"{spec.Gcc!.Command} disagrees with the catalogue's headers of {abi}:\n{errors}");
        Assert.Null(BitFieldImages(spec, scanned));
    }

    [Fact]
    public void AMovedBitField_FailsTheImageCheck()
    {
        var spec = CatalogueBindings.Instance.Arches.Abis.Single(a => a.Name == "x86_64");
        var scanned = CatalogueBindings.Instance.Scanned.Single(s => s.Abi == "x86_64");
        var moved = scanned with
        {
            Structs = scanned.Structs.Select(s => s.Name != "perf_event_attr" ? s
                : s with { Fields = s.Fields.Select(f => f.Name == "inherit" ? f with { Bit = f.Bit + 1 } : f).ToEquatableArray() }).ToEquatableArray(),
        };

        Assert.Null(BitFieldImages(spec, scanned));
        Assert.Contains("perf_event_attr.inherit", BitFieldImages(spec, moved), StringComparison.Ordinal);
    }

    [Fact]
    public void WrongOffsetOrNumber_InACopy_FailsTheCheck()
    {
        var spec = Repo.Arches.Abis.First(a => a.Gcc is not null);
        var scanned = Repo.Scanned(spec.Name);
        var segment = scanned.Structs.Single(s => s.Name == "kexec_segment");
        var fields = segment.Fields.Select((f, i) => i == 1 ? f with { Offset = f.Offset + 1 } : f).ToEquatableArray();
        var wrongOffset = scanned with { Structs = new[] { segment with { Fields = fields } }.ToEquatableArray() };
        var wrongNumber = scanned with { Syscalls = scanned.Syscalls.Select(s => s.Name == "kexec_load" ? s with { Number = s.Number + 1 } : s).ToEquatableArray() };
        var wrongWidth = scanned with
        {
            Prototypes = scanned.Prototypes.Select(p => p.Name != "kexec_load" ? p
                : p with { Args = p.Args.Select(a => a.Name == "entry" ? a with { Size = a.Size * 2 } : a).ToEquatableArray() }).ToEquatableArray(),
        };

        var (offsetOk, offsetErrors) = StaticAssertions(spec, wrongOffset);
        var (numberOk, numberErrors) = StaticAssertions(spec, wrongNumber);
        var (widthOk, widthErrors) = StaticAssertions(spec, wrongWidth);
        Assert.False(widthOk);
        Assert.Contains("kexec_load: unsigned long entry", widthErrors, StringComparison.Ordinal);

        Assert.False(offsetOk);
        Assert.Contains("kexec_segment.bufsz", offsetErrors, StringComparison.Ordinal);
        Assert.False(numberOk);
        Assert.Contains("__NR_kexec_load", numberErrors, StringComparison.Ordinal);
    }

    /// <summary>The C type naming a scanned record: "struct statx"; for one named for its field ("bpf_attr.batch"), that field's type.</summary>
    internal static string RecordExpression(ScannedAbi scanned, string name)
    {
        var record = scanned.Structs.Single(s => s.Name == name);
        int dot = name.LastIndexOf('.');
        if (dot < 0) return $"{record.Kind} {name}";
        var parent = name[..dot];
        var field = scanned.Structs.Single(s => s.Name == parent).Fields.Single(f => f.Name == name[(dot + 1)..]);
        return $"__typeof__((({RecordExpression(scanned, parent)} *)0)->{field.Name}{string.Concat(Enumerable.Repeat("[0]", field.Type.Count(ch => ch == '[')))})";
    }

    /// <summary>
    /// Each bit-field of 'scanned' as the ABI's gcc lays it out: an object file holding, per bit-field, its record with
    /// only that field's bits set, compared byte for byte with the image its scanned place (offset, bit, width, in the
    /// ABI's byte order) describes. Null when they all agree; else the first that differs.
    /// </summary>
    internal static string? BitFieldImages(AbiSpec abi, ScannedAbi scanned)
    {
        var bitFields = scanned.Structs.SelectMany(s => s.Fields.Where(f => f.Bits > 0).Select(f => (Record: s, Field: f))).ToList();
        if (bitFields.Count == 0) return null;
        var c = new StringBuilder();
        foreach (var h in scanned.Scanned) c.Append("#include <").Append(h).Append(">\n");
        for (int i = 0; i < bitFields.Count; i++)
        {
            var e = RecordExpression(scanned, bitFields[i].Record.Name);
            c.Append($"const union {{ {e} s; unsigned char b[sizeof({e})]; }} bits{i} = {{ .s = {{ .{bitFields[i].Field.Name} = -1 }} }};\n");
        }
        var file = Path.Combine(Path.GetTempPath(), $"kexecgen-bits-{abi.Name}-{Guid.NewGuid():N}");
        File.WriteAllText(file + ".c", c.ToString());
        try
        {
            var args = new[] { "-std=gnu11", "-nostdinc", "-c", "-O0", "-o", file + ".o" }.Concat(abi.Include.Select(d => "-I" + d))
                .Concat(abi.Flags).Concat(abi.Gcc!.Flags).Append(file + ".c").ToArray();
            var (code, _, errors) = ProcessRunner.Run(abi.Gcc.Command, TimeSpan.FromMinutes(1), args);
            if (code != 0) return errors;
            var elf = new KexecGen.Scanner.ElfSymbols(File.ReadAllBytes(file + ".o"));
            for (int i = 0; i < bitFields.Count; i++)
            {
                var (record, f) = bitFields[i];
                var expected = new byte[record.Size];
                int bytes = (f.Bit + f.Bits + 7) / 8;
                ulong value = (f.Bits == 64 ? ulong.MaxValue : (1UL << f.Bits) - 1) << f.Bit;
                for (int b = 0; b < bytes; b++) expected[f.Offset + b] = (byte)(value >> (8 * (scanned.ByteOrder == "big" ? bytes - 1 - b : b)));
                if (!elf.Bytes($"bits{i}")!.AsSpan().SequenceEqual(expected)) return $"{record.Name}.{f.Name}: gcc sets other bits than offset {f.Offset}, bit {f.Bit}, {f.Bits} wide";
            }
            return null;
        }
        finally
        {
            File.Delete(file + ".c");
            File.Delete(file + ".o");
        }
    }

    // Compiles (syntax only) a C file asserting every value of 'scanned' with the ABI's gcc.
    internal static (bool Ok, string Errors) StaticAssertions(AbiSpec abi, ScannedAbi scanned)
    {
        var c = new StringBuilder();
        foreach (var h in scanned.Scanned) c.Append("#include <").Append(h).Append(">\n");
        // The kernel's type names in uapi terms, as the scan gives them (size_t for ioctl numbers, loff_t, compat_*).
        c.Append(KexecGen.Scanner.PrototypeScanner.Prelude).Append(KexecGen.Scanner.PrototypeScanner.CompatTypedefs(Repo.Arches.Kernel.SourceFolder));
        foreach (var k in scanned.Constants)
        {
            c.Append($"_Static_assert((long long)({k.Name}) == {k.Value}LL, \"{k.Name}\");\n");
        }
        foreach (var call in scanned.Syscalls)
        {
            c.Append(call.Number is long n
                ? $"_Static_assert(__NR_{call.Name} == {n}LL, \"__NR_{call.Name}\");\n"
                : $"#ifdef __NR_{call.Name}\n#error \"__NR_{call.Name} is defined\"\n#endif\n");
        }
        c.Append($"_Static_assert(sizeof(void *) == {scanned.PointerSize}, \"pointer size\");\n");
        c.Append($"_Static_assert((__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) == {(scanned.ByteOrder == "big" ? 1 : 0)}, \"byte order\");\n");
        foreach (var p in scanned.Prototypes)
        {
            foreach (var a in p.Args.Concat(p.EntryArgs).Where(a => a.Size > 0))
            {
                var type = a.Kind == ScannedArg.Pointer && a.Type.EndsWith("*", StringComparison.Ordinal) ? "void *" : a.Type;
                c.Append($"_Static_assert(sizeof({type}) == {a.Size}, \"{p.Name}: {a.Type} {a.Name}\");\n");
                if (a.Kind != ScannedArg.Pointer) c.Append($"_Static_assert((({a.Type})-1 < ({a.Type})0) == {(a.Kind == ScannedArg.Signed ? 1 : 0)}, \"{p.Name}: {a.Name} signedness\");\n");
            }
        }
        foreach (var s in scanned.Structs)
        {
            var e = RecordExpression(scanned, s.Name);
            c.Append($"_Static_assert(sizeof({e}) == {s.Size}, \"sizeof {s.Name}\");\n");
            c.Append($"_Static_assert(_Alignof({e}) == {s.Align}, \"alignof {s.Name}\");\n");
            foreach (var f in s.Fields.Where(f => f.Bits == 0))
            {
                var member = $"(({e} *)0)->{f.Name}";
                var element = member + string.Concat(Enumerable.Repeat("[0]", f.Type.Count(ch => ch == '[')));
                c.Append($"_Static_assert(__builtin_offsetof({e}, {f.Name}) == {f.Offset}, \"{s.Name}.{f.Name}\");\n");
                c.Append($"_Static_assert(sizeof({element}) == {f.Size}, \"sizeof {s.Name}.{f.Name}\");\n");
                if (f.Count is int count && count > 0) c.Append($"_Static_assert(sizeof({member}) == {f.Size * count}, \"count {s.Name}.{f.Name}\");\n");
                if (f.Kind is ScannedArg.Signed or ScannedArg.Unsigned)
                {
                    c.Append($"_Static_assert(((__typeof__({element}))-1 < (__typeof__({element}))0) == {(f.Kind == ScannedArg.Signed ? 1 : 0)}, \"signedness {s.Name}.{f.Name}\");\n");
                }
                if (f.Kind == ScannedField.Record) c.Append($"_Static_assert(__builtin_types_compatible_p(__typeof__({element}), {RecordExpression(scanned, f.RecordName!)}), \"type {s.Name}.{f.Name}\");\n");
            }
        }
        var file = Path.Combine(Path.GetTempPath(), $"kexecgen-check-{abi.Name}-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, c.ToString());
        var args = new[] { "-std=gnu11", "-nostdinc", "-fsyntax-only" }.Concat(abi.Include.Select(d => "-I" + d))
            .Concat(abi.Flags).Concat(abi.Gcc!.Flags).Append(file).ToArray();
        var (code, _, errors) = ProcessRunner.Run(abi.Gcc.Command, TimeSpan.FromMinutes(1), args);
        File.Delete(file);
        return (code == 0, errors);
    }
}
