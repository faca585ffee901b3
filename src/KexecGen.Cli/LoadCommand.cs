using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary>Carries out -l, -p, -u, -e and -S as kexec-tools does, through the safe API; --dry-run prints the syscalls instead.</summary>
public static class LoadCommand
{
    /// <summary>The errors after which -a tries kexec_load, as kexec-tools does (ENOTSUP is EOPNOTSUPP on Linux).</summary>
    private static readonly string[] FallbackErrors = { "ENOSYS", "EINVAL", "ENOEXEC", "EOPNOTSUPP" };

    /// <summary>Runs <paramref name="options"/>; returns the exit code (0 success, 1 failure or, for -S, nothing loaded).</summary>
    public static int Run(LoadOptions options, TextWriter output)
    {
        var report = new Report(output, options.Json);
        try
        {
            return options.Action switch
            {
                KexecAction.Status => Status(options, report),
                KexecAction.Unload => Unload(options, report),
                KexecAction.Exec => Exec(options, report),
                _ => Load(options, report),
            };
        }
        catch (KexecException e)
        {
            return report.Failed(e.Syscall, e.Message, e.Errno, e.ErrnoName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            return report.Failed(null, Sentence(e), null, null);
        }
    }

    // The message alone: the tool's user typed the value, not the API's parameter that .NET's message names.
    private static string Sentence(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    private static int Status(LoadOptions options, Report report)
    {
        bool loaded = options.Crash ? Kexec.IsCrashLoaded : Kexec.IsLoaded;
        report.Status(options.Crash ? "crash kernel" : "kernel", loaded);
        return loaded ? 0 : 1;
    }

    private static int Unload(LoadOptions options, Report report)
    {
        var flags = KexecFileLoadFlags.Unload | (options.Crash ? KexecFileLoadFlags.OnCrash : 0);
        report.Call("kexec_file_load", SyscallNumbers.KexecFileLoad, $"kernel_fd=-1, initrd_fd=-1, cmdline_len=0, cmdline=NULL, flags={flags}", options.DryRun);
        if (!options.DryRun) Kexec.Unload(options.Crash);
        return report.Done();
    }

    private static int Exec(LoadOptions options, Report report)
    {
        report.Call("reboot", SyscallNumbers.Reboot, "LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL", options.DryRun);
        if (!options.DryRun) Kexec.Execute(); // does not return on success
        return report.Done();
    }

    private static int Load(LoadOptions options, Report report)
    {
        var kernel = options.Kernel!;
        string? cmdline = CommandLine(options);
        bool crash = options.Action == KexecAction.LoadPanic;
        KexecException? fileError = null;
        if (options.Syscall != SyscallChoice.Segments)
        {
            var flags = (options.Initrd is null ? KexecFileLoadFlags.NoInitramfs : 0) | (crash ? KexecFileLoadFlags.OnCrash : 0);
            report.Call("kexec_file_load", SyscallNumbers.KexecFileLoad,
                $"kernel_fd=open(\"{kernel}\"), initrd_fd={(options.Initrd is null ? "-1" : $"open(\"{options.Initrd}\")")}, " +
                $"cmdline_len={(cmdline is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(cmdline) + 1)}, cmdline={(cmdline is null ? "NULL" : JsonSerializer.Serialize(cmdline, CliJson.Default.String))}, flags={flags}",
                options.DryRun);
            if (options.DryRun)
            {
                if (options.Syscall == SyscallChoice.Auto) report.Note($"on {string.Join(", ", FallbackErrors)}: kexec_load of the image's ELF segments");
                return report.Done();
            }
            try
            {
                Kexec.LoadFile(kernel, options.Initrd, cmdline, crash);
                return report.Done();
            }
            catch (KexecException e) when (options.Syscall == SyscallChoice.Auto && FallbackErrors.Contains(e.ErrnoName))
            {
                fileError = e; // kexec-tools falls back here
            }
        }
        var cannot = SegmentsUnsupported(options, cmdline, out var bytes);
        if (cannot is not null)
        {
            // Where the kexec_load path cannot take this image, the first error stands.
            if (fileError is { } e) return report.Failed(e.Syscall, $"{e.Message}; and kexec_load cannot be tried: {cannot}", e.Errno, e.ErrnoName);
            throw new ArgumentException(cannot);
        }
        if (fileError is not null) report.Note($"kexec_file_load: {fileError.ErrnoName}; trying kexec_load");
        var image = ElfImage.Parse(bytes!, (ulong)Environment.SystemPageSize);
        var loadFlags = crash ? KexecLoadFlags.OnCrash : 0;
        report.Call("kexec_load", SyscallNumbers.KexecLoad,
            $"entry=0x{image.Entry:x}, nr_segments={image.Segments.Count}, segments=[" +
            string.Join(", ", image.Segments.Select(s => $"{{buf=<{s.Buffer.Length} bytes>, bufsz={s.Buffer.Length}, mem=0x{s.Destination:x}, memsz=0x{s.MemorySize:x}}}")) +
            $"], flags={loadFlags}|KEXEC_ARCH_DEFAULT", options.DryRun);
        if (!options.DryRun) Kexec.Load(image.Entry, image.Segments, loadFlags);
        return report.Done();
    }

    // Why the kexec_load path cannot load this request, or null (with the image's bytes) when it can: it loads ELF
    // executables as they are.
    private static string? SegmentsUnsupported(LoadOptions options, string? cmdline, out byte[]? bytes)
    {
        bytes = null;
        if (options.Initrd is not null || cmdline is not null) return "the kexec_load path loads ELF executables as they are; --initrd and --append need kexec_file_load";
        bytes = File.ReadAllBytes(options.Kernel!);
        return ElfImage.IsExecutable(bytes) ? null : $"{options.Kernel} is not an ELF executable, the only format the kexec_load path loads";
    }

    // --reuse-cmdline starts from this kernel's command line without BOOT_IMAGE=, as kexec-tools does; --append follows.
    private static string? CommandLine(LoadOptions options)
    {
        var parts = new List<string>();
        if (options.ReuseCommandLine)
        {
            var current = File.ReadAllText("/proc/cmdline").Trim();
            parts.AddRange(current.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("BOOT_IMAGE=", StringComparison.Ordinal)));
        }
        if (options.Append is not null) parts.Add(options.Append);
        return parts.Count == 0 ? null : string.Join(' ', parts);
    }

    /// <summary>What was done, as text lines or one JSON object.</summary>
    private sealed class Report(TextWriter output, bool json)
    {
        private readonly List<(string Syscall, long Number, string Args, bool DryRun)> _calls = new();
        private readonly List<string> _notes = new();

        public void Call(string syscall, nint number, string args, bool dryRun)
        {
            _calls.Add((syscall, number, args, dryRun));
            if (dryRun && !json) output.WriteLine($"{syscall}({args})  # syscall {(number < 0 ? "absent on this ABI" : number.ToString())}");
        }

        public void Note(string note)
        {
            _notes.Add(note);
            if (!json) output.WriteLine($"# {note}");
        }

        public void Status(string what, bool loaded)
        {
            if (json) Write(w => w.WriteBoolean("loaded", loaded));
            else output.WriteLine($"{what} {(loaded ? "loaded" : "not loaded")}");
        }

        public int Done()
        {
            if (json) Write(w => w.WriteBoolean("ok", true));
            return 0;
        }

        public int Failed(string? syscall, string message, int? errno, string? errnoName)
        {
            if (json)
            {
                Write(w =>
                {
                    w.WriteBoolean("ok", false);
                    if (syscall is not null) w.WriteString("syscall", syscall);
                    if (errno is int e) w.WriteNumber("errno", e);
                    if (errnoName is not null) w.WriteString("errno_name", errnoName);
                    w.WriteString("error", message);
                });
            }
            Console.Error.WriteLine($"kexec: {message}");
            return 1;
        }

        private void Write(Action<Utf8JsonWriter> body)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                body(w);
                w.WriteStartArray("calls");
                foreach (var (syscall, number, args, dryRun) in _calls)
                {
                    w.WriteStartObject();
                    w.WriteString("syscall", syscall);
                    w.WriteNumber("number", number);
                    w.WriteString("args", args);
                    w.WriteBoolean("made", !dryRun);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("notes");
                foreach (var note in _notes) w.WriteStringValue(note);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
        }
    }
}

/// <summary>Source-generated JSON for the few values the CLI serializes (NativeAOT needs no reflection then).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CliJson : System.Text.Json.Serialization.JsonSerializerContext;
