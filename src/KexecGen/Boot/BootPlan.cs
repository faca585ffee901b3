using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KexecGen.Interop;

namespace KexecGen.Boot;

/// <summary>One segment of a <see cref="BootPlan"/>: what to copy where, and what it holds ("kernel", "initrd"…).</summary>
/// <param name="Segment">The bytes and their destination.</param>
/// <param name="Contents">What the segment holds, for people: the dry run prints it.</param>
public sealed record PlannedSegment(KexecSegmentSource Segment, string Contents);

/// <summary>What a loader decided: the entry point, the segments and the architecture, ready for kexec_load(2).</summary>
/// <param name="Entry">The physical address the old kernel jumps to.</param>
/// <param name="Segments">The segments, in the order they were placed.</param>
/// <param name="Architecture">The image's architecture: the kernel refuses an image for another one.</param>
public sealed record BootPlan(ulong Entry, IReadOnlyList<PlannedSegment> Segments, KexecArch Architecture)
{
    /// <summary>What the user should know before booting it: what the new kernel will lack, in one line each.</summary>
    public ImmutableArray<string> Notes { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>The segments as kexec_load(2) takes them.</summary>
    public IReadOnlyList<KexecSegmentSource> Sources => Segments.Select(s => s.Segment).ToArray();
}
