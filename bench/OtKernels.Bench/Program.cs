// BenchmarkDotNet suites: dotnet run -c Release --project bench/OtKernels.Bench -- --filter '*'
// `-- mnist-w2 ...`, `-- sinkhorn-clouds ...`, `-- sinkhorn-mnist ...`, `-- sgemm ...`, `-- dwe-throughput BATCH`: the otk sides of the
// comparisons in bench/scripts (see each file's header).
using System.Globalization;
using BenchmarkDotNet.Running;
using OtKernels.Bench;

if (args is ["mnist-w2", var images, var pairs, var threads]) return MnistPairs.Run(images, pairs, int.Parse(threads));
if (args is ["sinkhorn-clouds", var x, var y, var eps, var iterations, var cloudThreads, var output])
    return SinkhornClouds.Run(x, y, double.Parse(eps, CultureInfo.InvariantCulture), int.Parse(iterations), int.Parse(cloudThreads), output);
if (args is ["sinkhorn-mnist", var mnistImages, var mnistPairs, var mnistEps, var tol, var scaling, var omega, var mnistThreads, var mnistOut])
    return SinkhornMnist.Run(mnistImages, mnistPairs, double.Parse(mnistEps, CultureInfo.InvariantCulture), double.Parse(tol, CultureInfo.InvariantCulture),
        double.Parse(scaling, CultureInfo.InvariantCulture), double.Parse(omega, CultureInfo.InvariantCulture), int.Parse(mnistThreads), mnistOut);
if (args is ["dwe-throughput", var dweBatch]) return DweThroughput.Run(int.Parse(dweBatch));
if (args is ["sgemm", var sgemmThreads]) return SgemmRates.Run(int.Parse(sgemmThreads));
BenchmarkSwitcher.FromAssembly(typeof(MnistPairs).Assembly).Run(args);
return 0;
