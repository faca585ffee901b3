using System;
using System.Linq;
using System.Runtime.InteropServices;
using KexecGen.Interop;
using Xunit;

namespace KexecGen.Tests;

/// <summary>
/// The compiled bindings on this machine. Its kernel has no kexec, so both syscalls must answer ENOSYS; the arguments
/// are invalid anyway (bad descriptors, too many segments, a bogus architecture), so on any kernel these are error paths.
/// </summary>
public class RuntimeTests
{
    private static readonly Config.ScannedAbi Running = Repo.Scanned(
        Repo.Arches.Abis.Single(a => a.RunsAs(RuntimeInformation.ProcessArchitecture.ToString())).Name);

    private static int ScannedErrno(string name) => (int)Running.Constants.Single(c => c.Name == name).Value;

    [Fact]
    public unsafe void KexecFileLoad_ReachesTheKernel_AndReportsEnosys()
    {
        nint result = Syscalls.KexecFileLoad(-1, -1, 1, null, KexecFileLoadFlags.NoInitramfs);

        Assert.Equal(-1, result);
        Assert.Equal(ScannedErrno("ENOSYS"), Marshal.GetLastPInvokeError());
    }

    [Fact]
    public unsafe void KexecLoad_ReachesTheKernel_AndReportsEnosys()
    {
        var flags = (KexecLoadFlags)(KexecConstants.KEXEC_ARCH_MASK & 0x7FFF0000u); // no such architecture
        nint result = Syscalls.KexecLoad(0, (nuint)KexecConstants.KEXEC_SEGMENT_MAX + 1, null, flags);

        Assert.Equal(-1, result);
        Assert.Equal(ScannedErrno("ENOSYS"), Marshal.GetLastPInvokeError());
    }

    // Every KEXEC_FILE_* macro of the headers is a member (the enum is chosen by prefix), and the kexec_load flags
    // arches.yaml names are there with the headers' values, the newest ones included.
    [Fact]
    public void FlagEnums_HoldTheHeadersFlags_WithTheirValues()
    {
        var fileFlags = Running.Constants.Where(c => c.Name.StartsWith("KEXEC_FILE_", StringComparison.Ordinal)).ToList();
        Assert.Contains(fileFlags, c => c.Name == "KEXEC_FILE_DEBUG");
        Assert.Equal(fileFlags.Select(c => (ulong)c.Value).Order(), Enum.GetValues<KexecFileLoadFlags>().Select(v => (ulong)v).Order());

        var loadFlags = Repo.Arches.Bindings.Enums.Single(e => e.Name == nameof(KexecLoadFlags)).Members;
        Assert.Contains("KEXEC_UPDATE_ELFCOREHDR", loadFlags);
        Assert.Contains("KEXEC_CRASH_HOTPLUG_SUPPORT", loadFlags);
        Assert.Equal(loadFlags.Select(m => (ulong)Running.Constants.Single(c => c.Name == m).Value).Order(), Enum.GetValues<KexecLoadFlags>().Select(v => (ulong)v).Order());
    }

    [Fact]
    public void SyscallNumbers_AreTheRunningAbisScannedNumbers()
    {
        long? Scanned(string name) => Running.Syscalls.Single(s => s.Name == name).Number;

        Assert.Equal(Scanned("kexec_load"), (long)SyscallNumbers.KexecLoad);
        Assert.Equal(Scanned("kexec_file_load"), (long)SyscallNumbers.KexecFileLoad);
        Assert.Equal(Scanned("reboot"), (long)SyscallNumbers.Reboot);
        Assert.Equal(Errno.ENOSYS, ScannedErrno("ENOSYS")); // a compiled-in constant against the scanned file
    }

    [Fact]
    public void KexecSegment_HasTheScannedLayout()
    {
        var layout = Running.Structs.Single(s => s.Name == "kexec_segment");
        string[] managed = { nameof(KexecSegment.Buffer), nameof(KexecSegment.BufferSize), nameof(KexecSegment.Memory), nameof(KexecSegment.MemorySize) };

        Assert.Equal(layout.Size, Marshal.SizeOf<KexecSegment>());
        Assert.Equal(layout.Size, Unsafe.SizeOf<KexecSegment>());
        Assert.Equal(layout.Fields.Select(f => f.Offset), managed.Select(m => (int)Marshal.OffsetOf<KexecSegment>(m)));
        Assert.Equal(layout.Fields.Select(f => f.Name), AbiTable.Current!.Structs.Single(s => s.CName == "kexec_segment").Fields.Select(f => f.CName));
    }

    [Fact]
    public void AbiTable_Current_IsTheRunningAbi()
    {
        Assert.Equal(Running.Abi, AbiTable.Current?.Name);
        Assert.Contains(RuntimeInformation.ProcessArchitecture, AbiTable.Current!.Architectures);
    }

    private static class Unsafe
    {
        public static unsafe int SizeOf<T>() where T : unmanaged => sizeof(T);
    }
}
