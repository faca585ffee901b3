using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary><c>kexec table</c>: each ABI's syscall numbers, kexec constants and kexec_segment layout, from what is compiled in.</summary>
public static class TableCommand
{
    /// <summary>Writes the table for <paramref name="abis"/> to <paramref name="output"/>, as text or JSON.</summary>
    public static void Write(TextWriter output, IReadOnlyList<AbiInfo> abis, bool json)
    {
        if (json) WriteJson(output, abis);
        else WriteText(output, abis);
    }

    private static readonly string[] SyscallNames = AbiTable.All.SelectMany(a => a.Syscalls).Select(s => s.Name).Distinct().ToArray();

    private static void WriteText(TextWriter output, IReadOnlyList<AbiInfo> abis)
    {
        output.WriteLine($"From the uapi headers of Linux {AbiTable.KernelVersion}, made for every ABI.");
        output.WriteLine();
        var header = new List<string> { "ABI", "triple", ".NET", "kexec_arch" };
        header.AddRange(SyscallNames);
        header.Add("kexec_segment size/align: offsets");
        var rows = new List<List<string>> { header };
        foreach (var abi in abis)
        {
            var row = new List<string> { abi.Name, abi.Triple, abi.Architectures.Count == 0 ? "-" : string.Join(",", abi.Architectures), abi.KexecArch ?? "-" };
            row.AddRange(SyscallNames.Select(n => abi.Syscalls.FirstOrDefault(s => s.Name == n)?.Number?.ToString() ?? "-"));
            row.Add(Segment(abi) is { } seg ? $"{seg.Size}/{seg.Alignment}: " + string.Join(" ", seg.Fields.Select(f => $"{f.CName}@{f.Offset}")) : "-");
            rows.Add(row);
        }
        var widths = Enumerable.Range(0, header.Count).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
        output.WriteLine();
        output.WriteLine("Constants (equal on every ABI):");
        WriteEnum<KexecLoadFlags>(output, "kexec_load flags", hex: true);
        WriteEnum<KexecFileLoadFlags>(output, "kexec_file_load flags", hex: true);
        WriteEnum<KexecArch>(output, "KEXEC_ARCH_*", hex: true);
        WriteEnum<RebootCommand>(output, "reboot commands", hex: true);
        WriteEnum<RebootMagic>(output, "reboot magic", hex: true);
        output.WriteLine($"  KEXEC_SEGMENT_MAX = {KexecConstants.KEXEC_SEGMENT_MAX}, KEXEC_ARCH_MASK = 0x{KexecConstants.KEXEC_ARCH_MASK:X}");
        var current = AbiTable.Current;
        output.WriteLine();
        output.WriteLine(current is null
            ? "This process runs on no ABI of the table."
            : $"This process runs as {current.Name}: kexec_load is syscall {SyscallNumbers.KexecLoad}, kexec_file_load {SyscallNumbers.KexecFileLoad}.");
    }

    private static void WriteEnum<T>(TextWriter output, string title, bool hex) where T : struct, Enum
    {
        var members = Enum.GetValues<T>().Select(v => $"{v}={(hex ? "0x" + Convert.ToUInt64(v).ToString("X") : Convert.ToUInt64(v).ToString())}");
        output.WriteLine($"  {title}: {string.Join(", ", members)}");
    }

    private static AbiStructLayout? Segment(AbiInfo abi) => abi.Structs.FirstOrDefault(s => s.CName == "kexec_segment");

    private static void WriteJson(TextWriter output, IReadOnlyList<AbiInfo> abis)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteString("kernel", AbiTable.KernelVersion);
            json.WriteStartArray("abis");
            foreach (var abi in abis)
            {
                json.WriteStartObject();
                json.WriteString("name", abi.Name);
                json.WriteString("triple", abi.Triple);
                json.WriteStartArray("dotnet");
                foreach (var arch in abi.Architectures) json.WriteStringValue(arch.ToString());
                json.WriteEndArray();
                json.WriteNumber("pointer_size", abi.PointerSize);
                if (abi.KexecArch is { } kexecArch && abi.KexecArchValue is long value)
                {
                    json.WriteString("kexec_arch", kexecArch);
                    json.WriteNumber("kexec_arch_value", value);
                }
                json.WriteStartObject("syscalls");
                foreach (var call in abi.Syscalls)
                {
                    if (call.Number is long n) json.WriteNumber(call.Name, n);
                    else json.WriteNull(call.Name);
                }
                json.WriteEndObject();
                // Each class's constants as this ABI numbers them: "Errno": { "EPERM": 1, … }, "KexecConstants": { … }.
                foreach (var group in abi.Constants.GroupBy(c => c.Class))
                {
                    json.WriteStartObject(group.Key);
                    foreach (var constant in group) json.WriteNumber(constant.Name, constant.Value);
                    json.WriteEndObject();
                }
                foreach (var layout in abi.Structs)
                {
                    json.WriteStartObject(layout.CName);
                    json.WriteNumber("size", layout.Size);
                    json.WriteNumber("align", layout.Alignment);
                    json.WriteStartObject("offsets");
                    foreach (var f in layout.Fields) json.WriteNumber(f.CName, f.Offset);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject("constants");
            WriteJsonEnum<KexecLoadFlags>(json);
            WriteJsonEnum<KexecFileLoadFlags>(json);
            WriteJsonEnum<KexecArch>(json);
            WriteJsonEnum<RebootCommand>(json);
            WriteJsonEnum<RebootMagic>(json);
            json.WriteNumber("KEXEC_SEGMENT_MAX", KexecConstants.KEXEC_SEGMENT_MAX);
            json.WriteNumber("KEXEC_ARCH_MASK", KexecConstants.KEXEC_ARCH_MASK);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void WriteJsonEnum<T>(Utf8JsonWriter json) where T : struct, Enum
    {
        json.WriteStartObject(typeof(T).Name);
        foreach (var v in Enum.GetValues<T>()) json.WriteNumber(v.ToString(), Convert.ToUInt64(v));
        json.WriteEndObject();
    }
}
