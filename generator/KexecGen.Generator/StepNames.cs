namespace KexecGen.Generator;

/// <summary>The tracking names of the pipeline's steps, for incrementality tests.</summary>
public static class StepNames
{
    /// <summary>arches.yaml parsed into its spec.</summary>
    public const string Arches = "KexecGen.Arches";

    /// <summary>The ABIs whose structs' fields the build reads (from arches.yaml and the build's properties).</summary>
    public const string AbisWithFields = "KexecGen.AbisWithFields";

    /// <summary>Each headers/&lt;abi&gt;.yaml parsed.</summary>
    public const string Headers = "KexecGen.Headers";

    /// <summary>The parsed headers files gathered and sorted.</summary>
    public const string HeadersCollected = "KexecGen.HeadersCollected";

    /// <summary>The build's KexecGenAbiTable property.</summary>
    public const string Options = "KexecGen.Options";

    /// <summary>The binding model joined and checked.</summary>
    public const string Model = "KexecGen.Model";

    /// <summary>The generated files rendered from the model.</summary>
    public const string Render = "KexecGen.Render";

    /// <summary>The diagnostics of every stage, gathered for reporting.</summary>
    public const string Diagnostics = "KexecGen.Diagnostics";

    /// <summary>Every step name, for tests that walk them all.</summary>
    public static readonly string[] All = { Arches, AbisWithFields, Headers, HeadersCollected, Options, Model, Render, Diagnostics };
}
