// BenchmarkDotNet suites: dotnet run -c Release --project bench/OtKernels.Bench -- --filter '*'
// `-- kernels [options]`: each batched kernel's throughput on an accelerator (KernelRates);
// `-- dwe-figure2 [options]`: W2^2 per second as in Courty et al. 2018, Fig. 2 (DweFigure2).
// `-- sinkhorn-times`: the Sinkhorn timings of the workspace entry in docs/PERFORMANCE.md.
// `-- unrolled-ratio PAIRS`: UnrolledCloudDistance's forward + reverse against its forward.
// `-- peak [THREADS]`: the cores' FMA, exp and log rates, the CPU roofline (MachinePeaks).
// `-- losses BATCH`: each classifier loss of `otk losses` against the CNN's training step (LossShares).
// `-- cluster-overhead REDIS CLUSTER_ID SHARDS CALLERS`: empty shards through a cluster (ClusterOverhead).
// `-- mnist-w2 ...`, `-- grid-w2 ...`, `-- cloud-w2 ...`, `-- sinkhorn-clouds ...`, `-- gw-pairs ...`, `-- sliced-pairs ...`, `-- sinkhorn-mnist ...`, `-- barycenter-dense ...`, `-- barycenter-mnist ...`, `-- sgemm ...`, `-- dwe-throughput BATCH`: the otk sides of the
// comparisons in bench/scripts (see each file's header).
using System.Globalization;
using BenchmarkDotNet.Running;
using OtKernels.Bench;

if (args is ["kernels", ..]) return KernelRates.Create().Parse(args[1..]).Invoke();
if (args is ["dwe-figure2", ..]) return DweFigure2.Create().Parse(args[1..]).Invoke();
if (args is ["cluster-overhead", var redis, var clusterId, var shards, var callers])
    return ClusterOverhead.Run(redis, clusterId, int.Parse(shards), int.Parse(callers));
if (args is ["mnist-w2", var images, var pairs, var threads]) return MnistPairs.Run(images, pairs, int.Parse(threads));
if (args is ["grid-w2", var gridSize, var gridPairs, var gridInputs]) return ExactPairs.Grid(int.Parse(gridSize), int.Parse(gridPairs), gridInputs);
if (args is ["cloud-w2", var cloudPoints, var cloudDimension, var cloudPairs, var cloudInputs])
    return ExactPairs.Clouds(int.Parse(cloudPoints), int.Parse(cloudDimension), int.Parse(cloudPairs), cloudInputs);
if (args is ["sinkhorn-clouds", var x, var y, var eps, var iterations, var cloudThreads, var output, .. var rho] && rho.Length <= 1)
    return SinkhornClouds.Run(x, y, double.Parse(eps, CultureInfo.InvariantCulture), int.Parse(iterations), int.Parse(cloudThreads), output,
        rho.Length == 1 ? double.Parse(rho[0], CultureInfo.InvariantCulture) : double.PositiveInfinity);
if (args is ["sliced-pairs", var sx, var sy, var theta, var slicedThreads, var slicedOut])
    return SlicedPairs.Run(sx, sy, theta, int.Parse(slicedThreads), slicedOut);
if (args is ["gw-pairs", var gx, var gy, var gwEps, var gwThreads, var gwOut, .. var gwWhere] && gwWhere.Length <= 1)
    return GromovPairs.Run(gx, gy, double.Parse(gwEps, CultureInfo.InvariantCulture), int.Parse(gwThreads), gwOut, gwWhere.Length == 1 ? gwWhere[0] : "cpu");
if (args is ["sinkhorn-mnist", var mnistImages, var mnistPairs, var mnistEps, var tol, var scaling, var omega, var mnistThreads, var mnistOut])
    return SinkhornMnist.Run(mnistImages, mnistPairs, double.Parse(mnistEps, CultureInfo.InvariantCulture), double.Parse(tol, CultureInfo.InvariantCulture),
        double.Parse(scaling, CultureInfo.InvariantCulture), double.Parse(omega, CultureInfo.InvariantCulture), int.Parse(mnistThreads), mnistOut);
if (args is ["barycenter-dense", var denseA, var denseM, var denseEps, var denseThreads, var denseOut])
    return BarycenterDense.Run(denseA, denseM, double.Parse(denseEps, CultureInfo.InvariantCulture), int.Parse(denseThreads), denseOut);
if (args is ["barycenter-mnist", var baryDigit, var baryCount, var baryMethod, var baryEps, var baryOut, .. var baryMore] && baryMore.Length <= 2)
    return BarycenterMnist.Run(int.Parse(baryDigit), int.Parse(baryCount), baryMethod, double.Parse(baryEps, CultureInfo.InvariantCulture), baryOut,
        baryMore.Length > 0 ? double.Parse(baryMore[0], CultureInfo.InvariantCulture) : 1, baryMore.Length > 1 ? double.Parse(baryMore[1], CultureInfo.InvariantCulture) : 1e-4);
if (args is ["sinkhorn-times"]) return SinkhornTimes.Run();
if (args is ["unrolled-ratio", var ratioPairs]) return UnrolledRatio.Run(int.Parse(ratioPairs));
if (args is ["dwe-throughput", var dweBatch]) return DweThroughput.Run(int.Parse(dweBatch));
if (args is ["sgemm", var sgemmThreads]) return SgemmRates.Run(int.Parse(sgemmThreads));
if (args is ["peak", .. var peakThreads] && peakThreads.Length <= 1)
    return MachinePeaks.Run(peakThreads.Length == 1 ? int.Parse(peakThreads[0]) : Environment.ProcessorCount);
if (args is ["losses", var lossBatch]) return LossShares.Run(int.Parse(lossBatch));
BenchmarkSwitcher.FromAssembly(typeof(MnistPairs).Assembly).Run(args);
return 0;
