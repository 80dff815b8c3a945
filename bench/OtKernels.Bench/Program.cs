// BenchmarkDotNet suites: dotnet run -c Release --project bench/OtKernels.Bench -- --filter '*'
// `-- mnist-w2 IMAGES PAIRS THREADS` times MNIST pairs warm (used by bench/scripts/emd_mnist_vs_pot.sh).
using BenchmarkDotNet.Running;
using OtKernels.Bench;

if (args is ["mnist-w2", var images, var pairs, var threads]) return MnistPairs.Run(images, pairs, int.Parse(threads));
BenchmarkSwitcher.FromAssembly(typeof(MnistPairs).Assembly).Run(args);
return 0;
