using System;
using System.IO;
using KexecGen.RunProbe;

// Calls every syscall of Bindings/arches.yaml through the generated stubs and checks what each answered, in the
// directory named by the first argument (a "work" folder made and removed there), leaving only "written.bin": the
// second argument at offset 4096, written by pwritev, for RunProbeTests to read. Prints "ok NAME" or
// "FAIL NAME why" per syscall, then a summary; exits 1 on any failure.
if (args.Length != 2 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: run-probe DIRECTORY MARKER");
    return 2;
}
var work = Path.Combine(Path.GetFullPath(args[0]), "work");
Report.Section("files", () => FileCalls.Run(work, Path.Combine(Path.GetFullPath(args[0]), "written.bin"), args[1]));
Report.Section("memory", () => MemoryCalls.Run(work));
Report.Section("process", ProcessCalls.Run);
Report.Section("signals", SignalCalls.Run);
Report.Section("time", TimeCalls.Run);
Report.Section("events", () => EventCalls.Run(work));
Report.Section("sockets", () => SocketCalls.Run(work));
Report.Section("ipc", IpcCalls.Run);
Report.Section("cleanup", () => FileCalls.Clean(work));
Console.WriteLine($"summary: {Report.Passed.Count} syscalls ok, {Report.Failed.Count} failed");
return Report.Failed.Count == 0 ? 0 : 1;
