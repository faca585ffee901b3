using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using KexecGen.Boot;
using KexecGen.Boot.X86;
using KexecGen.Interop;
using Microsoft.Win32.SafeHandles;

namespace KexecGen.Cli;

/// <summary>
/// Carries out a kexec-tools command line's steps, in kexec-tools' order (status, unload, load, shutdown, execute),
/// through the safe API; --dry-run does everything but the syscalls that load, unload or execute.
/// </summary>
public static partial class LoadCommand
{
    /// <summary>The errors after which -a tries kexec_load, as kexec-tools does (ENOTSUP is EOPNOTSUPP on Linux).</summary>
    private static readonly string[] FallbackErrors = { "ENOSYS", "EINVAL", "ENOEXEC", "EOPNOTSUPP" };

    /// <summary>Runs <paramref name="options"/>; returns the exit code (0 success, 1 failure; -S: 1 when loaded).</summary>
    /// <param name="options">What to do.</param>
    /// <param name="output">Where the dry run's syscalls, notes and the JSON object go.</param>
    /// <param name="error">Where the one-line error of a failure goes.</param>
    public static int Run(LoadOptions options, TextWriter output, TextWriter error)
    {
        var report = new Report(output, error, options.Json, options.Debug);
        try
        {
            if (options.Status) return Status(options, report);
            if (options.Unload && Unload(options, report) is var unloaded and not 0) return unloaded;
            if (options.Load && Load(options, report) is var loaded and not 0) return loaded;
            if ((options.Shutdown || options.Exec) && !options.Load && !Kexec.IsLoaded) return report.Failed(null, NothingLoaded, null, null);
            if (options.Shutdown) return Shutdown(options, report);
            if (options.Exec) return Exec(options, report);
            if (options.Sync) Sync(options, report); // kexec-tools syncs after a load too, unless -p or -y
            return report.Done();
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

    /// <summary>--print-ckr-size: the size in bytes of the last "Crash kernel" range of /proc/iomem (0 if none), as kexec-tools prints it.</summary>
    public static int PrintCrashReservationSize(TextWriter output, TextWriter error)
    {
        try
        {
            output.WriteLine(RunningMachine.CrashReservationSize().ToString(System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            error.WriteLine($"kexec: {InputFile.OneLine(e.Message)}");
            return 1;
        }
    }

    // The message alone: the tool's user typed the value, not the API's parameter that .NET's message names.
    private static string Sentence(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;

    private const string NothingLoaded = "nothing has been loaded: load a kernel with -l first";

    // kexec-tools' -S: the exit code is what /sys/kernel/kexec{,_crash}_loaded holds, 1 when loaded.
    private static int Status(LoadOptions options, Report report)
    {
        bool loaded = options.Crash ? Kexec.IsCrashLoaded : Kexec.IsLoaded;
        report.Status(loaded);
        return loaded ? 1 : 0;
    }

    private static int Unload(LoadOptions options, Report report)
    {
        var flags = KexecFileLoadFlags.Unload | (options.Crash ? KexecFileLoadFlags.OnCrash : 0);
        report.Call("kexec_file_load", SyscallNumbers.KexecFileLoad, $"kernel_fd=-1, initrd_fd=-1, cmdline_len=0, cmdline=NULL, flags={flags}", options.DryRun);
        if (!options.DryRun) Kexec.Unload(options.Crash);
        return 0;
    }

    // A kernel with no action: kexec-tools hands the reboot to the system (/sbin/shutdown -r now), whose last step
    // boots the loaded kernel where the init system does that (systemd's kexec.target, a kexec init script).
    private static readonly string[] ShutdownPrograms = { "/sbin/shutdown", "/etc/shutdown", "/bin/shutdown" };

    private static int Shutdown(LoadOptions options, Report report)
    {
        report.Note("then /sbin/shutdown -r now (else /etc/shutdown, /bin/shutdown): the system reboots, and its last step boots the loaded kernel");
        if (options.DryRun) return report.Done();
        foreach (var program in ShutdownPrograms.Where(File.Exists))
        {
            using var shutdown = System.Diagnostics.Process.Start(program, new[] { "-r", "now" });
            shutdown.WaitForExit();
            return shutdown.ExitCode == 0 ? report.Done() : report.Failed(null, $"{program} -r now exited with {shutdown.ExitCode}", null, null);
        }
        return report.Failed(null, $"shutdown: none of {string.Join(", ", ShutdownPrograms)} exists", null, null);
    }

    private static void Sync(LoadOptions options, Report report)
    {
        report.Note("sync(): file systems written back");
        if (!options.DryRun) SyncFileSystems();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "sync")]
    private static partial void SyncFileSystems();

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
        var cmdline = CommandLine(options);
        bool crash = options.Crash;
        // Before any syscall, in a dry run too, as kexec-tools: each file opens as what it must be, and a crash kernel
        // has somewhere to go.
        using var kernel = InputFile.Open(options.KernelPath!, "kernel", blockDevice: false, out _);
        bool initrdIsDevice = false;
        using var initrd = options.InitrdPath is null ? null : InputFile.Open(options.InitrdPath, "initrd", blockDevice: true, out initrdIsDevice);
        if (crash && RunningMachine.CrashReservationSize() == 0) return report.Failed(null, NoReservation, null, null);
        report.CommandLine(cmdline);

        KexecException? fileError = null;
        if (options.Syscall == SyscallChoice.File && initrdIsDevice)
        {
            return report.Failed(null, $"kexec_file_load takes a regular file as the initrd, not the block device {InputFile.Shown(options.InitrdPath!)}: load it with -c", null, null);
        }
        if (options.Syscall == SyscallChoice.Auto && initrdIsDevice)
        {
            report.Note("the initrd is a block device, which kexec_file_load does not take: kexec_load through our own loader");
        }
        else if (options.Syscall != SyscallChoice.Segments)
        {
            var flags = (initrd is null ? KexecFileLoadFlags.NoInitramfs : 0) | (crash ? KexecFileLoadFlags.OnCrash : 0);
            report.Call("kexec_file_load", SyscallNumbers.KexecFileLoad,
                $"kernel_fd=open({Quoted(options.KernelPath!)}), initrd_fd={(options.InitrdPath is null ? "-1" : $"open({Quoted(options.InitrdPath)})")}, " +
                $"cmdline_len={cmdline?.WithNul.Length ?? 0}, cmdline={(cmdline is null ? "NULL" : Quoted(cmdline.Bytes.ToArray()))}, flags={flags}",
                options.DryRun);
            string? refusal = null;
            if (options.DryRun)
            {
                // What the kernel would answer, from the image's first bytes: its format and its command-line limit.
                refusal = FileLoadRefusal(kernel, cmdline);
                if (refusal is null)
                {
                    if (options.Syscall == SyscallChoice.Auto) report.Note($"on {string.Join(", ", FallbackErrors)}: kexec_load through our own loader (kexec -c --dry-run shows its plan)");
                    return 0;
                }
                if (options.Syscall == SyscallChoice.File) return report.Failed("kexec_file_load", $"kexec_file_load would refuse it: {refusal}", null, null);
            }
            else
            {
                try
                {
                    Kexec.LoadFile(kernel, initrd, cmdline, crash);
                    return 0;
                }
                catch (KexecException e) when (options.Syscall == SyscallChoice.Auto && FallbackErrors.Contains(e.ErrnoName))
                {
                    fileError = e; // kexec-tools falls back here
                }
            }
            if (refusal is not null) report.Note($"kexec_file_load would refuse it ({refusal}); kexec_load then");
        }
        if (fileError is not null) report.Note($"kexec_file_load: {fileError.ErrnoName}; trying kexec_load");
        try
        {
            return LoadSegments(options, kernel, initrd, cmdline, crash, report);
        }
        catch (Exception e) when (fileError is not null && e is FormatException or ArgumentException or IOException)
        {
            // Where the kexec_load path cannot take this image either, the first error stands, with the reason added.
            return report.Failed(fileError.Syscall, $"{fileError.Message}; and kexec_load cannot load it: {Sentence(e)}", fileError.Errno, fileError.ErrnoName);
        }
    }

    // Why kexec_file_load would refuse this kernel and command line, read from the image's start; null where it would not.
    private static string? FileLoadRefusal(SafeFileHandle kernel, KernelCommandLine? cmdline)
    {
        var head = new byte[64 * 1024];
        Array.Resize(ref head, RandomAccess.Read(kernel, head, 0));
        var running = AbiTable.Current?.KexecArchValue is long value ? (KexecArch)value : KexecArch.Default;
        if (KernelImage.FileLoadFormat(running, head) is { Matches: false } format)
        {
            return $"the kernel is not {format.Name}, the format this architecture's kexec_file_load takes (it answers ENOEXEC)";
        }
        if (cmdline is not null && BzImage.CommandLineLimit(head) is { } limit && cmdline.WithNul.Length > limit)
        {
            return $"the command line is {cmdline.WithNul.Length} bytes with its NUL; this bzImage takes at most {limit} (its setup header's cmdline_size less the room the kernel keeps for elfcorehdr=), and the kernel answers EINVAL";
        }
        return null;
    }

    private const string NoReservation = "no memory is reserved for a crash kernel (no \"Crash kernel\" in /proc/iomem): boot with crashkernel=";

    // Bytes as a C string literal: printable ASCII as it is, '"' and '\\' escaped, any other byte as \xNN.
    private static string Quoted(byte[] bytes)
    {
        var text = new System.Text.StringBuilder("\"");
        foreach (var b in bytes)
        {
            text.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }
        return text.Append('"').ToString();
    }

    // kexec_load through our own loaders: the files mapped, this machine described, the plan printed or loaded.
    private static int LoadSegments(LoadOptions options, SafeFileHandle kernel, SafeFileHandle? initrd, KernelCommandLine? cmdline, bool crash, Report report)
    {
        // The device tree opened as the kernel is (any bytes, checked), and handed on by its descriptor's ASCII name.
        using var tree = options.DeviceTree is null ? null : InputFile.Open(options.DeviceTree, "device tree", blockDevice: false, out _);
        using var image = Kexec.PlanImage(kernel, initrd, cmdline, tree is null ? null : $"/proc/self/fd/{tree.DangerousGetHandle()}", crash);
        var (plan, loadFlags) = (image.Plan, image.Flags);
        report.Call("kexec_load", SyscallNumbers.KexecLoad,
            $"entry=0x{plan.Entry:x}, nr_segments={plan.Segments.Count}, segments=[" +
            string.Join(", ", plan.Segments.Select(p => p.Segment).Select(s => $"{{buf=<{s.Buffer.Length} bytes>, bufsz={s.Buffer.Length}, mem=0x{s.Destination:x}, memsz=0x{s.MemorySize:x}}}")) +
            $"], flags={loadFlags}|{ArchitectureName(plan.Architecture)}", options.DryRun);
        report.Plan(plan, options.DryRun);
        foreach (var note in plan.Notes) report.Note(note);
        if (!options.DryRun) image.Load();
        return 0;
    }

    // The KEXEC_ARCH_* macro of the value, as the bindings' ABI table names it.
    private static string ArchitectureName(KexecArch architecture) =>
        AbiTable.All.FirstOrDefault(a => a.KexecArchValue == (long)architecture)?.KexecArch ?? $"0x{(uint)architecture:x}";

    // --reuse-cmdline starts from this kernel's command line less BOOT_IMAGE= and, for a crash kernel, crashkernel=
    // (every such word, as kexec-tools 2.0.32 removes them; 2.0.25 removed the first of each); --append follows. Bytes
    // throughout: what the user gave reaches the kernel as it was.
    private static KernelCommandLine? CommandLine(LoadOptions options)
    {
        var parts = new List<byte[]>();
        if (options.ReuseCommandLine)
        {
            var current = File.ReadAllBytes("/proc/cmdline");
            int end = Array.FindIndex(current, b => b is (byte)'\n' or (byte)'\r' or 0);
            var dropped = options.Crash ? new[] { "BOOT_IMAGE", "crashkernel" } : new[] { "BOOT_IMAGE" };
            parts.AddRange(SplitWords(current.AsSpan(0, end < 0 ? current.Length : end))
                .Where(word => !dropped.Any(d => word.AsSpan().StartsWith(System.Text.Encoding.ASCII.GetBytes(d)))));
        }
        if (options.Append is not null) parts.Add(options.Append);
        if (parts.Count == 0) return null;
        var line = new List<byte>();
        foreach (var part in parts)
        {
            if (line.Count > 0) line.Add((byte)' ');
            line.AddRange(part);
        }
        return KernelCommandLine.FromBytes(line.ToArray());
    }

    private static IEnumerable<byte[]> SplitWords(ReadOnlySpan<byte> text)
    {
        var words = new List<byte[]>();
        foreach (var range in text.Split((byte)' '))
        {
            if (range.End.GetOffset(text.Length) > range.Start.GetOffset(text.Length)) words.Add(text[range].ToArray());
        }
        return words;
    }

    /// <summary>What was done, as text lines or one JSON object.</summary>
    private sealed class Report(TextWriter output, TextWriter error, bool json, bool debug)
    {
        private KernelCommandLine? _commandLine;

        private readonly List<(string Syscall, long Number, string Args, bool DryRun)> _calls = new();
        private readonly List<string> _notes = new();
        private BootPlan? _plan;

        public void Call(string syscall, nint number, string args, bool dryRun)
        {
            _calls.Add((syscall, number, args, dryRun));
            var line = $"{syscall}({args})  # syscall {(number < 0 ? "absent on this ABI" : number.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
            if (dryRun && !json) output.WriteLine(line);
            if (debug) error.WriteLine(line);
        }

        public void Note(string note)
        {
            _notes.Add(note);
            if (!json) output.WriteLine($"# {note}");
        }

        public void Plan(BootPlan plan, bool dryRun)
        {
            _plan = plan;
            var lines = new List<string> { $"# entry 0x{plan.Entry:x} ({plan.Architecture})" };
            for (int i = 0; i < plan.Segments.Count; i++)
            {
                var (segment, contents) = (plan.Segments[i].Segment, plan.Segments[i].Contents);
                lines.Add($"# segment {i}: 0x{segment.Destination:x}-0x{segment.Destination + segment.MemorySize:x} ({segment.MemorySize} bytes, {segment.Buffer.Length} from the buffer): {contents}");
            }
            foreach (var line in lines)
            {
                if (dryRun && !json) output.WriteLine(line);
                if (debug) error.WriteLine(line);
            }
        }

        public void CommandLine(KernelCommandLine? commandLine) => _commandLine = commandLine;

        // -S prints nothing, as kexec-tools; --json says it.
        public void Status(bool loaded)
        {
            if (json) Write(w => w.WriteBoolean("loaded", loaded));
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
            error.WriteLine($"kexec: {InputFile.OneLine(message)}");
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
                if (_commandLine is not null)
                {
                    // The bytes as base64 (lossless), and as text where they are UTF-8.
                    w.WriteBase64String("command_line_bytes", _commandLine.Bytes);
                    if (System.Text.Unicode.Utf8.IsValid(_commandLine.Bytes)) w.WriteString("command_line", _commandLine.Bytes);
                    else w.WriteNull("command_line");
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
