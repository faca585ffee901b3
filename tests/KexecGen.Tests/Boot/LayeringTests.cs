using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace KexecGen.Tests.Boot;

/// <summary>The layers go one way: CLI → safe API (namespace KexecGen) → Boot; Boot never names a type above it.</summary>
public class LayeringTests
{
    private static readonly Type[] SafeApiTypes = typeof(KexecGen.Kexec).Assembly.GetTypes()
        .Where(t => t.Namespace == "KexecGen" && !t.Name.Contains('<', StringComparison.Ordinal)).ToArray();

    // The code of a file without its comments and strings: a name there is a use, not a mention.
    private static string Code(string path) =>
        Regex.Replace(File.ReadAllText(path), @"//[^\n]*|/\*.*?\*/|""(?:[^""\\\n]|\\.)*""", "", RegexOptions.Singleline);

    [Fact]
    public void Boot_NamesNoTypeOfTheSafeApiOrTheCli()
    {
        Assert.Contains(SafeApiTypes, t => t.Name == "Kexec"); // the check below has something to find
        var boot = Path.Combine(Repo.Root, "src", "KexecGen", "Boot");
        var files = Directory.GetFiles(boot, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var code = Code(file);
            Assert.Matches(@"namespace KexecGen\.Boot(\.\w+)?;", code);
            Assert.DoesNotContain("KexecGen.Cli", code, StringComparison.Ordinal);
            foreach (var type in SafeApiTypes)
            {
                var name = type.Name.Split('`')[0];
                Assert.False(Regex.IsMatch(code, $@"(?<![\w.])(global::)?(KexecGen\.)?{Regex.Escape(name)}\b"), $"{Path.GetRelativePath(Repo.Root, file)} names {type.FullName}, a type of the layer above Boot");
            }
        }
    }
}
