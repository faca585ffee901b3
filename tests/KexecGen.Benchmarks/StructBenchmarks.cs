using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using KexecGen.Benchmarks.Calls;

namespace KexecGen.Benchmarks;

/// <summary>
/// Reading the fields of generated structs against hand-written twins of the same layout, over an array of each: a
/// field of a sequential struct through a nested record (statx's stx_mtime.tv_sec), and a bit-field of an explicit one
/// (perf_event_attr's exclude_kernel) against the shift and mask a person would write.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class StructBenchmarks
{
    private const int Count = 1024;
    private readonly Statx[] _generated = new Statx[Count];
    private readonly HandStatx[] _hand = new HandStatx[Count];
    private readonly PerfEventAttr[] _attrs = new PerfEventAttr[Count];
    private readonly HandPerfEventAttr[] _handAttrs = new HandPerfEventAttr[Count];

    [StructLayout(LayoutKind.Sequential)]
    private struct HandTimestamp
    {
        public long Seconds;
        public uint Nanoseconds;
        public int Reserved;
    }

    // struct statx up to stx_mtime, padded to its 256 bytes.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct HandStatx
    {
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(112)] public HandTimestamp Mtime;
    }

    [StructLayout(LayoutKind.Explicit, Size = 136)]
    private struct HandPerfEventAttr
    {
        [FieldOffset(40)] public ulong Flags; // disabled:1, inherit:1, …, exclude_kernel is bit 5 on little-endian ABIs
    }

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Count; i++)
        {
            _generated[i].StxMtime.TvSec = i;
            _hand[i].Mtime.Seconds = i;
            _attrs[i].ExcludeKernel = (ulong)(i & 1);
            _handAttrs[i].Flags = (ulong)(i & 1) << 5;
        }
    }

    [BenchmarkCategory("nested"), Benchmark(Baseline = true, Description = "hand-written struct: nested field")]
    public long HandNested()
    {
        long sum = 0;
        foreach (ref readonly var s in _hand.AsSpan()) sum += s.Mtime.Seconds;
        return sum;
    }

    [BenchmarkCategory("nested"), Benchmark(Description = "generated struct: nested field")]
    public long GeneratedNested()
    {
        long sum = 0;
        foreach (ref readonly var s in _generated.AsSpan()) sum += s.StxMtime.TvSec;
        return sum;
    }

    [BenchmarkCategory("bit-field"), Benchmark(Baseline = true, Description = "hand-written shift and mask: bit-field")]
    public ulong HandBitField()
    {
        ulong sum = 0;
        foreach (ref readonly var a in _handAttrs.AsSpan()) sum += (a.Flags >> 5) & 1;
        return sum;
    }

    [BenchmarkCategory("bit-field"), Benchmark(Description = "generated property: bit-field")]
    public ulong GeneratedBitField()
    {
        ulong sum = 0;
        foreach (ref readonly var a in _attrs.AsSpan()) sum += a.ExcludeKernel;
        return sum;
    }
}
