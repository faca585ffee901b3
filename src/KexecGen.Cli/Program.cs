using System;
using System.Collections.Generic;
using System.Linq;
using KexecGen.Interop;

namespace KexecGen.Cli;

/// <summary>The <c>kexec</c> command-line tool.</summary>
public static class Program
{
    private const string Usage = """
        usage: kexec -l KERNEL [--initrd FILE] [--append TEXT] [--reuse-cmdline] [--dtb FILE] [-s|-c|-a] [--dry-run] [--json]
               kexec -p KERNEL …         load a crash kernel, as -l (kexec_load: into the crashkernel= reservation, with a core header)
               kexec -u [-p]             unload the kernel (with -p: the crash kernel)
               kexec -e [-y]             boot into the loaded kernel now (file systems synced first; -y skips that)
               kexec -S [-p]             exit 0 if a kernel (crash kernel) is loaded, 1 if not
               kexec table [--json] [--abi NAME]...
               kexec probe
               kexec -h|--help|--version
          -l, --load                 load KERNEL
          -p, --load-panic           load KERNEL as the crash kernel; with -u or -S, select the crash kernel
          -u, --unload               unload
          -e, --exec                 boot into the loaded kernel
          -S, --status               exit 0 if loaded, 1 if not
          -s, --kexec-file-syscall   load with kexec_file_load only
          -c, --kexec-syscall        load with kexec_load only: a bzImage, an arm64 Image (or Image.gz) or an ELF executable,
                                     placed by our own loaders from /proc/iomem, /sys/firmware/{memmap,fdt}, /sys/kernel/boot_params
          -a, --kexec-syscall-auto   kexec_file_load, then kexec_load on ENOSYS, EINVAL, ENOEXEC, ENOTSUP (default)
          --initrd, --ramdisk FILE   the new kernel's initial ramdisk
          --append, --command-line TEXT
                                     the new kernel's command line (--append=TEXT works too)
          --reuse-cmdline            start the command line from /proc/cmdline
          --dtb FILE                 arm64: start from this device tree instead of /sys/firmware/fdt
          -y, --no-sync              -e: do not sync file systems first
          --dry-run                  print the syscalls, their arguments and kexec_load's segments; make none
          --json                     one JSON object on standard output
          -h, --help                 this help;  --version: the version
          table     each ABI's syscall numbers, kexec constants and struct kexec_segment layout,
                    from the bindings compiled into this tool (no kernel headers, no root needed)
            --json  print {"kernel":…,"abis":[{"name":…,"syscalls":{…},"Errno":{…},"kexec_segment":{…}},…],"constants":{…}}
            --abi   only the named ABI (repeatable)
          probe     ask the running kernel whether it implements kexec_load and kexec_file_load
                    (with arguments no kernel accepts: nothing is loaded)
        Exit codes: 0 success, 1 failure, 2 bad usage. The manual, kexec(8), is kexec.8 beside this program: man -l kexec.8
        """;

    /// <summary>Runs the tool; returns the process exit code (0 success, 2 bad usage).</summary>
    public static int Main(string[] args)
    {
        if (args is ["--version"])
        {
            var version = typeof(Program).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
            Console.Out.WriteLine($"kexec (KexecGen) {version}");
            return 0;
        }
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (args[0] == "probe" && args.Length == 2 && args[1] is "-h" or "--help")
        {
            Console.Out.WriteLine(Usage);
            return 0;
        }
        if (args[0] == "probe") return args.Length == 1 ? ProbeCommand.Run(Console.Out) : Fail($"unknown argument '{args[1]}'");
        if (args[0] != "table")
        {
            var options = LoadOptions.Parse(args, out var error);
            return options is null ? Fail(error!) : LoadCommand.Run(options, Console.Out);
        }
        bool json = false;
        var only = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] is "-h" or "--help")
            {
                Console.Out.WriteLine(Usage);
                return 0;
            }
            if (args[i] == "--json") json = true;
            else if (args[i] == "--abi" && i + 1 < args.Length) only.Add(args[++i]);
            else return Fail($"unknown argument '{args[i]}'");
        }
        var unknown = only.Where(n => AbiTable.All.All(a => a.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            return Fail($"no ABI named {string.Join(", ", unknown)} (known: {string.Join(", ", AbiTable.All.Select(a => a.Name))})");
        }
        var abis = AbiTable.All.Where(a => only.Count == 0 || only.Contains(a.Name)).ToList();
        TableCommand.Write(Console.Out, abis, json);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"kexec: {message}");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
