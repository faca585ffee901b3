using BenchmarkDotNet.Running;

namespace KexecGen.Benchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project tests/KexecGen.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Hands the arguments to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
