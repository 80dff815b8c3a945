// BenchmarkDotNet suites: dotnet run -c Release --project bench/OtKernels.Bench -- --filter '*'
// Comparisons with POT on the same inputs live in bench/scripts (they need Python).
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
