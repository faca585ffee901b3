using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using KexecGen.Boot;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary>Carries out -l, -p, -u, -e and -S as kexec-tools does, through the safe API; --dry-run prints the syscalls instead.</summary>
public static class LoadCommand
{
    /// <summary>The errors after which -a tries kexec_load, as kexec-tools does (ENOTSUP is EOPNOTSUPP on Linux).</summary>
    private static readonly string[] FallbackErrors = { "ENOSYS", "EINVAL", "ENOEXEC", "EOPNOTSUPP" };

    /// <summary>Runs <paramref name="options"/>; returns the exit code (0 success, 1 failure or, for -S, nothing loaded).</summary>
    /// <param name="options">What to do.</param>
    /// <param name="output">Where the dry run's syscalls, notes and the JSON object go.</param>
    /// <param name="error">Where the one-line error of a failure goes.</param>
    public static int Run(LoadOptions options, TextWriter output, TextWriter error)
    {
        var report = new Report(output, error, options.Json);
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or InvalidOperationException)
        {
            return report.Failed(null, Sentence(e), null, null);
        }
    }

    // The message alone: the tool's user typed the value, not the API's parameter that .NET's message names.
    private static string Sentence(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    private const string NothingLoaded = "no kernel is loaded: load one with -l first";

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
        if (options.Sync) report.Note("sync(): file systems written back first (-y/--no-sync skips it)");
        report.Call("reboot", SyscallNumbers.Reboot, "LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC, NULL", options.DryRun);
        if (options.DryRun) return report.Done();
        try
        {
            Kexec.Execute(options.Sync); // does not return on success
        }
        catch (InvalidOperationException)
        {
            return report.Failed(null, NothingLoaded, null, null);
        }
        catch (KexecException e) when (e.ErrnoName == "EINVAL")
        {
            return report.Failed(e.Syscall, $"{NothingLoaded} (reboot answered EINVAL)", e.Errno, e.ErrnoName);
        }
        return report.Done();
    }

    private static int Load(LoadOptions options, Report report)
    {
        var kernel = options.Kernel!;
        var cmdline = CommandLine(options);
        bool crash = options.Action == KexecAction.LoadPanic;
        KexecException? fileError = null;
        if (options.Syscall != SyscallChoice.Segments)
        {
            var flags = (options.Initrd is null ? KexecFileLoadFlags.NoInitramfs : 0) | (crash ? KexecFileLoadFlags.OnCrash : 0);
            report.Call("kexec_file_load", SyscallNumbers.KexecFileLoad,
                $"kernel_fd=open(\"{kernel}\"), initrd_fd={(options.Initrd is null ? "-1" : $"open(\"{options.Initrd}\")")}, " +
                $"cmdline_len={cmdline?.WithNul.Length ?? 0}, cmdline={(cmdline is null ? "NULL" : JsonSerializer.Serialize(cmdline.ToString(), CliJson.Default.String))}, flags={flags}",
                options.DryRun);
            if (options.DryRun)
            {
                if (options.Syscall == SyscallChoice.Auto) report.Note($"on {string.Join(", ", FallbackErrors)}: kexec_load through our own loader (kexec -c --dry-run shows its plan)");
                return report.Done();
            }
            try
            {
                using var kernelFile = File.OpenHandle(kernel);
                using var initrdFile = options.Initrd is null ? null : File.OpenHandle(options.Initrd);
                Kexec.LoadFile(kernelFile, initrdFile, cmdline, crash);
                return report.Done();
            }
            catch (KexecException e) when (options.Syscall == SyscallChoice.Auto && FallbackErrors.Contains(e.ErrnoName))
            {
                fileError = e; // kexec-tools falls back here
            }
        }
        if (fileError is not null) report.Note($"kexec_file_load: {fileError.ErrnoName}; trying kexec_load");
        try
        {
            return LoadSegments(options, cmdline, crash, report);
        }
        catch (Exception e) when (fileError is not null && e is FormatException or ArgumentException or IOException)
        {
            // Where the kexec_load path cannot take this image either, the first error stands, with the reason added.
            return report.Failed(fileError.Syscall, $"{fileError.Message}; and kexec_load cannot load it: {Sentence(e)}", fileError.Errno, fileError.ErrnoName);
        }
    }

    // kexec_load through our own loaders: the files mapped, this machine described, the plan printed or loaded.
    private static int LoadSegments(LoadOptions options, KernelCommandLine? cmdline, bool crash, Report report)
    {
        using var image = Kexec.PlanImage(options.Kernel!, options.Initrd, cmdline, options.DeviceTree, crash);
        var (plan, loadFlags) = (image.Plan, image.Flags);
        report.Call("kexec_load", SyscallNumbers.KexecLoad,
            $"entry=0x{plan.Entry:x}, nr_segments={plan.Segments.Count}, segments=[" +
            string.Join(", ", plan.Segments.Select(p => p.Segment).Select(s => $"{{buf=<{s.Buffer.Length} bytes>, bufsz={s.Buffer.Length}, mem=0x{s.Destination:x}, memsz=0x{s.MemorySize:x}}}")) +
            $"], flags={loadFlags}|{ArchitectureName(plan.Architecture)}", options.DryRun);
        report.Plan(plan, options.DryRun);
        foreach (var note in plan.Notes) report.Note(note);
        if (!options.DryRun) image.Load();
        return report.Done();
    }

    // The KEXEC_ARCH_* macro of the value, as the bindings' ABI table names it.
    private static string ArchitectureName(KexecArch architecture) =>
        AbiTable.All.FirstOrDefault(a => a.KexecArchValue == (long)architecture)?.KexecArch ?? $"0x{(uint)architecture:x}";

    // --reuse-cmdline starts from this kernel's command line without BOOT_IMAGE=, as kexec-tools does; --append follows.
    private static KernelCommandLine? CommandLine(LoadOptions options)
    {
        var parts = new List<string>();
        if (options.ReuseCommandLine)
        {
            var current = File.ReadAllText("/proc/cmdline").Trim();
            parts.AddRange(current.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("BOOT_IMAGE=", StringComparison.Ordinal)));
        }
        if (options.Append is not null) parts.Add(options.Append);
        return parts.Count == 0 ? null : KernelCommandLine.FromString(string.Join(' ', parts));
    }

    /// <summary>What was done, as text lines or one JSON object.</summary>
    private sealed class Report(TextWriter output, TextWriter error, bool json)
    {
        private readonly List<(string Syscall, long Number, string Args, bool DryRun)> _calls = new();
        private readonly List<string> _notes = new();
        private BootPlan? _plan;

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

        public void Plan(BootPlan plan, bool dryRun)
        {
            _plan = plan;
            if (json || !dryRun) return;
            output.WriteLine($"# entry 0x{plan.Entry:x} ({plan.Architecture})");
            for (int i = 0; i < plan.Segments.Count; i++)
            {
                var (segment, contents) = (plan.Segments[i].Segment, plan.Segments[i].Contents);
                output.WriteLine($"# segment {i}: 0x{segment.Destination:x}-0x{segment.Destination + segment.MemorySize:x} ({segment.MemorySize} bytes, {segment.Buffer.Length} from the buffer): {contents}");
            }
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
            error.WriteLine($"kexec: {message}");
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
                if (_plan is not null)
                {
                    w.WriteStartObject("plan");
                    w.WriteNumber("entry", _plan.Entry);
                    w.WriteString("architecture", _plan.Architecture.ToString());
                    w.WriteStartArray("segments");
                    foreach (var (segment, contents) in _plan.Segments)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("mem", segment.Destination);
                        w.WriteNumber("memsz", segment.MemorySize);
                        w.WriteNumber("bufsz", segment.Buffer.Length);
                        w.WriteString("contents", contents);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
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
