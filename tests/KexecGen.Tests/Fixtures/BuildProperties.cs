using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KexecGen.Tests;

/// <summary>MSBuild properties as a generator sees them (build_property.NAME), for driving the generator in tests.</summary>
internal sealed class BuildProperties(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
{
    private readonly Options _global = new(properties);

    public override AnalyzerConfigOptions GlobalOptions => _global;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
        {
            const string prefix = "build_property.";
            value = null;
            return key.StartsWith(prefix, System.StringComparison.Ordinal) && properties.TryGetValue(key.Substring(prefix.Length), out value);
        }
    }
}
