// Properties of the Bregman barycenter: what one input, identical inputs and one-sided
// weights give; mass; and the W2 barycenter's mean (sum_k lambda_k mean_k, exact for W2
// barycenters and kept by the entropic one away from the grid's border) on FsCheck cases.
// The grid solvers in the kernel domain (convolutional, and Bregman's kernel form) are
// checked against the log-domain Bregman iteration, an independent implementation.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Entropic;
using OtKernels.Geometry;
using Xunit;

namespace OtKernels.Tests.Entropic;

public class BarycenterTests
{
    private static readonly BarycenterOptions Options = new() { Epsilon = 0.5, Tolerance = 1e-9, MaxIterations = 5000 };

    /// <summary>A bump on a line of length bins, centred at c with width s.</summary>
    internal static double[] Bump(int bins, double c, double s) =>
        Enumerable.Range(0, bins).Select(i => Math.Exp(-(i - c) * (i - c) / (2 * s * s))).ToArray();

    private static double Mean(double[] h) => h.Select((v, i) => v * i).Sum() / h.Sum();

    [Fact]
    public void OneInput_IsItselfBlurredOnce_AndTheBlurShrinksWithEpsilon()
    {
        var grid = new ImageGridCost(1, 40);
        double[] a = Bump(40, 17, 3);
        double Distance(double eps)
        {
            double[] b = Barycenter.Bregman(a, [], grid, Options with { Epsilon = eps }).Barycenter;
            double total = a.Sum();
            return a.Select((v, i) => Math.Abs(v / total - b[i])).Sum();
        }
        double coarse = Distance(2), fine = Distance(0.05);
        Assert.True(fine < coarse / 4, $"L1 from the input: {fine} at eps 0.05, {coarse} at eps 2");
        Assert.True(fine < 0.02, $"{fine}");
    }

    [Fact]
    public void IdenticalInputs_AndWeightsOneZero_GiveTheSingleInputsBarycenter()
    {
        var grid = new ImageGridCost(6, 7);
        var rng = new Random(5);
        double[] a = Enumerable.Range(0, 42).Select(_ => rng.NextDouble()).ToArray();
        double[] other = Enumerable.Range(0, 42).Select(_ => rng.NextDouble()).ToArray();
        double[] alone = Barycenter.Bregman(a, [], grid, Options).Barycenter;
        double[] twice = Barycenter.Bregman([.. a, .. a], [0.3, 0.7], grid, Options).Barycenter;
        double[] oneSided = Barycenter.Bregman([.. a, .. other], [1, 0], grid, Options).Barycenter;
        for (int j = 0; j < 42; j++)
        {
            Assert.Equal(alone[j], twice[j], 1e-9);
            Assert.Equal(alone[j], oneSided[j], 1e-9);
        }
    }

    [Fact]
    public void Barycenter_ConservesMass_AndAveragesTheMeans()
    {
        var cases = from k in Gen.Choose(2, 4)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (k, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            const int bins = 60;
            var inputs = new List<double>();
            var lambda = new double[t.k];
            double expected = 0, total = 0;
            for (int k = 0; k < t.k; k++)
            {
                double c = 20 + 20 * rng.NextDouble();
                inputs.AddRange(Bump(bins, c, 1.5 + rng.NextDouble()));
                lambda[k] = 0.1 + rng.NextDouble();
                expected += lambda[k] * c;
                total += lambda[k];
            }
            BarycenterResult r = Barycenter.Bregman(inputs.ToArray(), lambda, new ImageGridCost(1, bins), Options with { Epsilon = 2, Tolerance = 1e-8, MaxIterations = 20_000 });
            Assert.Equal(SinkhornStatus.Converged, r.Status);
            Assert.Equal(1, r.Barycenter.Sum(), 1e-6);
            Assert.Equal(expected / total, Mean(r.Barycenter), 0.02);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20));
    }

    /// <summary>k images on a height x width grid with empty pixels and empty borders, as
    /// digits have: each lives in a random box.</summary>
    private static double[] BoxedImages(Random rng, int k, int height, int width)
    {
        int n = height * width;
        var images = new double[k * n];
        for (int i = 0; i < k; i++)
        {
            int top = rng.Next(height), left = rng.Next(width);
            int bottom = rng.Next(top, height), right = rng.Next(left, width);
            for (int r = top; r <= bottom; r++)
                for (int c = left; c <= right; c++) images[i * n + r * width + c] = rng.NextDouble() < 0.3 ? 0 : rng.NextDouble();
            images[i * n + rng.Next(top, bottom + 1) * width + rng.Next(left, right + 1)] += 1;
        }
        return images;
    }

    private static Gen<(int k, int height, int width, double eps, int seed)> GridCases(int images) =>
        from k in Gen.Choose(1, images)
        from height in Gen.Choose(3, 12)
        from width in Gen.Choose(3, 12)
        from eps in Gen.Choose(15, 40)
        from seed in Gen.Choose(0, int.MaxValue)
        select (k, height, width, eps / 10.0, seed);

    [Fact]
    public void Convolutional_AgreesWithBregman_OnTheSameGridAndEpsilon()
    {
        // Grids up to 8 x 8 and eps from 3 px^2 keep every blur above exp(-98 / 3) ~ 1e-14,
        // far above POT's floor under the convolutional solver's logarithm, log(KU + 1e-30),
        // which otherwise raises the geometric mean where an input's blur falls below it
        // (seen: 1.2e-5 against 4.6e-6 at eps 1.5 on 12 x 12). Below, the floor is checked
        // against a transcription of POT's loop instead.
        var cases = from k in Gen.Choose(1, 6)
                    from height in Gen.Choose(3, 8)
                    from width in Gen.Choose(3, 8)
                    from eps in Gen.Choose(30, 60)
                    from seed in Gen.Choose(0, int.MaxValue)
                    select (k, height, width, eps: eps / 10.0, seed);
        Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.height, t.width);
            double[] images = BoxedImages(rng, t.k, t.height, t.width);
            double[] lambda = Enumerable.Range(0, t.k).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            var options = Options with { Epsilon = t.eps, Tolerance = 1e-11, MaxIterations = 50_000 };
            BarycenterResult bregman = Barycenter.Bregman(images, lambda, grid, options with { Domain = BarycenterDomain.Log });
            BarycenterResult convolutional = Barycenter.Convolutional(images, lambda, grid, options);
            Assert.True(bregman.Status == SinkhornStatus.Converged && convolutional.Status == SinkhornStatus.Converged,
                $"{t}: Bregman {bregman.Status} ({bregman.Error:E2}), convolutional {convolutional.Status} ({convolutional.Error:E2})");
            double largest = bregman.Barycenter.Max();
            for (int p = 0; p < grid.Rows; p++) Assert.Equal(bregman.Barycenter[p], convolutional.Barycenter[p], 1e-7 * largest);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void Convolutional_MatchesAPlainTranscriptionOfPotsLoop()
    {
        // POT's _convolutional_barycenter2d written out with full 4D sums (no boxes, no
        // grouped logarithms, no blocked products), floor included, at eps small enough for
        // the floor to act: same iterations, same barycenter to rounding.
        Prop.ForAll(GridCases(12).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int h = t.height, w = t.width, n = h * w;
            double[] images = BoxedImages(rng, t.k, h, w);
            double[] lambda = Enumerable.Range(0, t.k).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            var options = Options with { Epsilon = t.eps, Tolerance = 1e-9, MaxIterations = 3000 };
            BarycenterResult fast = Barycenter.Convolutional(images, lambda, new ImageGridCost(h, w), options);

            double total = lambda.Sum();
            double[] a = new double[t.k * n];
            for (int k = 0; k < t.k; k++)
            {
                double mass = images.Skip(k * n).Take(n).Sum();
                for (int p = 0; p < n; p++) a[k * n + p] = images[k * n + p] / mass;
            }
            double[] Blur(double[] x)
            {
                var result = new double[n];
                for (int p = 0; p < n; p++)
                    for (int q = 0; q < n; q++)
                    {
                        int dr = p / w - q / w, dc = p % w - q % w;
                        result[p] += Math.Exp(-(dr * dr + dc * dc) / t.eps) * x[q];
                    }
                return result;
            }
            var bar = Enumerable.Repeat(1.0 / n, n).ToArray();
            var ku = Enumerable.Range(0, t.k).Select(_ => Blur(Enumerable.Repeat(1.0, n).ToArray())).ToArray();
            int iterations = 0;
            for (int ii = 0; ii < options.MaxIterations; ii++)
            {
                iterations = ii + 1;
                var v = ku.Select(kuk => bar.Zip(kuk, (b, d) => b / d).ToArray()).ToArray();
                for (int k = 0; k < t.k; k++)
                {
                    double[] kv = Blur(v[k]);
                    ku[k] = Blur(Enumerable.Range(0, n).Select(p => a[k * n + p] / kv[p]).ToArray());
                }
                for (int p = 0; p < n; p++) bar[p] = Math.Exp(Enumerable.Range(0, t.k).Sum(k => lambda[k] / total * Math.Log(ku[k][p] + 1e-30)));
                if (ii % 10 == 9)
                {
                    double error = 0;
                    for (int p = 0; p < n; p++)
                    {
                        double[] values = Enumerable.Range(0, t.k).Select(k => v[k][p] * ku[k][p]).ToArray();
                        double mean = values.Average();
                        error += Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / t.k);
                    }
                    if (error < options.Tolerance) break;
                }
            }
            Assert.Equal(iterations, fast.Iterations);
            for (int p = 0; p < n; p++) Assert.Equal(bar[p], fast.Barycenter[p], 1e-9 * bar[p]);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(10));
    }

    [Fact]
    public void Bregman_InTheKernelDomain_AgreesWithTheLogDomain()
    {
        // Up to twelve images: groups of eight equal weights take the product-of-factors
        // logarithm, unequal weights one log each.
        Prop.ForAll(GridCases(12).ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.height, t.width);
            double[] images = BoxedImages(rng, t.k, t.height, t.width);
            double[] lambda = rng.Next(2) == 0 ? [] : Enumerable.Range(0, t.k).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            var options = Options with { Epsilon = t.eps, Tolerance = 1e-11, MaxIterations = 50_000 };
            BarycenterResult kernel = Barycenter.Bregman(images, lambda, grid, options);
            BarycenterResult log = Barycenter.Bregman(images, lambda, grid, options with { Domain = BarycenterDomain.Log });
            Assert.Equal(BarycenterDomain.Kernel, kernel.Domain);
            Assert.Equal(BarycenterDomain.Log, log.Domain);
            Assert.True(kernel.Status == SinkhornStatus.Converged && log.Status == SinkhornStatus.Converged,
                $"{t}: kernel {kernel.Status} ({kernel.Error:E2}), log {log.Status} ({log.Error:E2})");
            double largest = log.Barycenter.Max();
            for (int p = 0; p < grid.Rows; p++) Assert.Equal(log.Barycenter[p], kernel.Barycenter[p], 1e-8 * largest);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void OverRelaxed_Bregman_ReachesThePlainBarycenter_InBothDomains()
    {
        // Over-relaxation moves the path, not the fixed point: both domains, relaxed, land on
        // the plain log-domain barycenter. A relaxed barycenter-side update that did not keep
        // sum_k lambda_k log v_k = 0 would land elsewhere (unequal weights included).
        Prop.ForAll(GridCases(12).ToArbitrary(), Gen.Elements(1.3, 1.5, 1.75).ToArbitrary(), (t, omega) =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.height, t.width);
            double[] images = BoxedImages(rng, t.k, t.height, t.width);
            double[] lambda = rng.Next(2) == 0 ? [] : Enumerable.Range(0, t.k).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            var options = Options with { Epsilon = t.eps, Tolerance = 1e-11, MaxIterations = 50_000 };
            BarycenterResult plain = Barycenter.Bregman(images, lambda, grid, options with { Domain = BarycenterDomain.Log });
            Assert.Equal(SinkhornStatus.Converged, plain.Status);
            double largest = plain.Barycenter.Max();
            foreach (BarycenterDomain domain in new[] { BarycenterDomain.Kernel, BarycenterDomain.Log })
            {
                BarycenterResult relaxed = Barycenter.Bregman(images, lambda, grid, options with { Domain = domain, OverRelaxation = omega });
                Assert.True(relaxed.Status == SinkhornStatus.Converged, $"{t}, omega {omega}, {domain}: {relaxed.Status} ({relaxed.Error:E2})");
                for (int p = 0; p < grid.Rows; p++) Assert.Equal(plain.Barycenter[p], relaxed.Barycenter[p], 1e-8 * largest);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void OverRelaxation_TakesFewerIterations_ToTheSameTolerance()
    {
        // Eight seeds at POT's check every tenth iteration: fewer iterations in both domains,
        // and the relaxed stop beside the converged barycenter. It is not always the nearer one
        // (seeds 1-29: 0.15-0.22 of the plain distance in the log domain, 0.03-2.2 in the kernel
        // form, which checks one step later in the sequence), but it is no stop short of it:
        // without the plain a side on check iterations the log domain stopped 5.8 times as far
        // as the plain run (seed 5).
        for (int seed = 1; seed <= 8; seed++)
            foreach (Stops s in PlainAndRelaxedStops(seed, checkEvery: 10))
            {
                Assert.True(s.Relaxed.Status == SinkhornStatus.Converged && s.Relaxed.Iterations < s.Plain.Iterations,
                    $"seed {seed}, {s.Domain}: {s.Relaxed.Status} after {s.Relaxed.Iterations} relaxed iterations, {s.Plain.Iterations} plain");
                Assert.True(s.RelaxedDistance <= 4 * s.PlainDistance, $"seed {seed}, {s.Domain}: relaxed {s.RelaxedDistance:E2} from the converged barycenter, plain {s.PlainDistance:E2}");
            }
    }

    [Fact]
    public void OverRelaxed_StopsNearerTheConvergedBarycenter_CheckedEveryFifthIteration()
    {
        // The checked plans must meet their first marginals for the spread to mean what it
        // means, so the a side is plain on check iterations. Checked every fifth iteration, the
        // relaxed stop is then the nearer one on each of six seeds (0.08-0.58 of the plain
        // stop's distance); with the a side relaxed on check iterations too, the kernel form's
        // stops were 0.5-3.3 times the plain ones'.
        for (int seed = 1; seed <= 6; seed++)
            foreach (Stops s in PlainAndRelaxedStops(seed, checkEvery: 5))
                Assert.True(s.RelaxedDistance < s.PlainDistance, $"seed {seed}, {s.Domain}: relaxed {s.RelaxedDistance:E2} from the converged barycenter, plain {s.PlainDistance:E2}");
    }

    private sealed record Stops(BarycenterDomain Domain, BarycenterResult Plain, BarycenterResult Relaxed, double PlainDistance, double RelaxedDistance);

    /// <summary>Twenty digit-like boxes on 16 x 16 at eps 1 px^2 and POT's tolerance, in each
    /// domain: the plain run, the over-relaxed one (omega 1.75), and how far each stopped from
    /// the barycenter converged to a spread of 1e-12.</summary>
    private static IEnumerable<Stops> PlainAndRelaxedStops(int seed, int checkEvery)
    {
        var rng = new Random(seed);
        var grid = new ImageGridCost(16, 16);
        double[] images = BoxedImages(rng, 20, 16, 16);
        var options = Options with { Epsilon = 1.0, Tolerance = 1e-4, MaxIterations = 5000, CheckEvery = checkEvery };
        double[] exact = Barycenter.Bregman(images, [], grid, options with { Tolerance = 1e-12, MaxIterations = 100_000, Domain = BarycenterDomain.Log }).Barycenter;
        double Distance(BarycenterResult r) => r.Barycenter.Zip(exact, (x, y) => Math.Abs(x - y)).Max();
        foreach (BarycenterDomain domain in new[] { BarycenterDomain.Kernel, BarycenterDomain.Log })
        {
            BarycenterResult plain = Barycenter.Bregman(images, [], grid, options with { Domain = domain });
            BarycenterResult relaxed = Barycenter.Bregman(images, [], grid, options with { Domain = domain, OverRelaxation = 1.75 });
            yield return new Stops(domain, plain, relaxed, Distance(plain), Distance(relaxed));
        }
    }

    private static void AssertSameBits(BarycenterResult expected, BarycenterResult actual)
    {
        Assert.Equal(expected.Iterations, actual.Iterations);
        Assert.Equal(expected.Error, actual.Error);
        Assert.Equal(expected.Barycenter, actual.Barycenter);
    }

    [Fact]
    public void GridBarycenters_HaveTheSameBits_OnAnyThreadCount()
    {
        // 9-40 images make 2-5 chunks of eight, claimed by the workers in any order; the
        // chunks' sums and the per-pixel spread are taken in a fixed order, so one, two and
        // three workers (and every core) give the same bits and iterations.
        Prop.ForAll(GridCases(40).ToArbitrary(), Gen.Elements(1, 2, 3).ToArbitrary(), (t, threads) =>
        {
            var rng = new Random(t.seed);
            var grid = new ImageGridCost(t.height, t.width);
            int k = Math.Max(t.k, 9);
            double[] images = BoxedImages(rng, k, t.height, t.width);
            double[] lambda = rng.Next(2) == 0 ? [] : Enumerable.Range(0, k).Select(_ => 0.2 + rng.NextDouble()).ToArray();
            var options = Options with { Epsilon = t.eps, Tolerance = 1e-9, MaxIterations = 2000 };
            foreach ((bool convolutional, double omega) in new[] { (false, 1.0), (false, 1.6), (true, 1.0) })
            {
                BarycenterResult Solve(int workers) => convolutional
                    ? Barycenter.Convolutional(images, lambda, grid, options with { MaxDegreeOfParallelism = workers })
                    : Barycenter.Bregman(images, lambda, grid, options with { MaxDegreeOfParallelism = workers, Domain = BarycenterDomain.Kernel, OverRelaxation = omega });
                BarycenterResult one = Solve(1);
                AssertSameBits(one, Solve(threads));
                AssertSameBits(one, Solve(-1));
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(15));
    }

    [Fact]
    public void LogDomainBarycenters_HaveTheSameBits_OnAnyThreadCount()
    {
        // Dense costs of 3-40 bins (the small ones keep their Gibbs kernel, made once per
        // worker) and 2-9 inputs dealt to the workers in turn; the columns' steps are split at
        // multiples of four, so one, two and three workers (and every core) agree bit for bit.
        Prop.ForAll(Gen.Choose(3, 40).ToArbitrary(), Gen.Choose(2, 9).ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (bins, count, seed) =>
        {
            var rng = new Random(seed);
            var cost = new DenseCost(Enumerable.Range(0, bins * bins).Select(i => Math.Pow((i / bins - i % bins) / (double)bins, 2) * (0.5 + rng.NextDouble())).ToArray(), bins, bins);
            double[] histograms = Enumerable.Range(0, count * bins).Select(_ => rng.NextDouble() < 0.2 ? 0 : rng.NextDouble()).ToArray();
            for (int k = 0; k < count; k++) histograms[k * bins + rng.Next(bins)] = 1;
            var options = Options with { Epsilon = rng.Next(2) == 0 ? 0.05 : 0.002, Tolerance = 1e-9, MaxIterations = 500, Domain = BarycenterDomain.Log, OverRelaxation = rng.Next(2) == 0 ? 1 : 1.5 };
            BarycenterResult Solve(int workers) => Barycenter.Bregman(histograms, [], cost, options with { MaxDegreeOfParallelism = workers });
            BarycenterResult one = Solve(1);
            foreach (int workers in new[] { 2, 3, -1 }) AssertSameBits(one, Solve(workers));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(30));
    }

    [Fact]
    public void GridBarycenters_SolvedConcurrently_GiveTheSameBits()
    {
        // Four solves at once, each on a team of two threads (more threads than this machine
        // may have cores): each team's barrier and chunk counter are its own, so every solve
        // gives the bits it gives alone.
        var rng = new Random(7);
        var grid = new ImageGridCost(9, 11);
        double[][] images = Enumerable.Range(0, 4).Select(_ => BoxedImages(rng, 20, 9, 11)).ToArray();
        var options = Options with { Epsilon = 2.5, Tolerance = 1e-9, MaxIterations = 2000, MaxDegreeOfParallelism = 2 };
        BarycenterResult[] alone = images.Select(h => Barycenter.Convolutional(h, [], grid, options)).ToArray();
        var together = new BarycenterResult[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => together[i] = Barycenter.Convolutional(images[i], [], grid, options));
        for (int i = 0; i < 4; i++) AssertSameBits(alone[i], together[i]);
    }

    [Fact]
    public void Auto_TakesTheLogDomain_WhereTheKernelUnderflows()
    {
        // eps = 39^2 / 1500: K's entries across the line underflow, the forced kernel form's
        // scalings overflow, and Auto takes the log domain.
        var grid = new ImageGridCost(1, 40);
        var images = new double[80];
        images[0] = 1; images[1] = 0.5; images[79] = 1; images[77] = 0.2;
        var options = Options with { Epsilon = 39.0 * 39 / 1500 };
        BarycenterResult kernel = Barycenter.Bregman(images, [], grid, options with { Domain = BarycenterDomain.Kernel });
        BarycenterResult auto = Barycenter.Bregman(images, [], grid, options);
        BarycenterResult log = Barycenter.Bregman(images, [], grid, options with { Domain = BarycenterDomain.Log });
        Assert.Equal(SinkhornStatus.Diverged, kernel.Status);
        Assert.Equal(BarycenterDomain.Log, auto.Domain);
        Assert.Equal(SinkhornStatus.Converged, auto.Status);
        Assert.Equal(log.Barycenter, auto.Barycenter);
    }

    [Fact]
    public void Domain_IsRefused_WhereItCannotRun()
    {
        var dense = new DenseCost(new double[] { 0, 1, 1, 0 }, 2, 2);
        var e = Assert.Throws<ArgumentException>(() => Barycenter.Bregman([1, 1], [], dense, Options with { Domain = BarycenterDomain.Kernel }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("ImageGridCost", e.Message);
        e = Assert.Throws<ArgumentException>(() => Barycenter.Convolutional([1, 1], [], new ImageGridCost(1, 2), Options with { Domain = BarycenterDomain.Log }));
        Assert.Equal("options", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Barycenter.Convolutional([1, 1], [], new ImageGridCost(1, 2), Options with { OverRelaxation = 1.5 }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("OverRelaxation", e.Message);
    }

    [Fact]
    public void BadInput_NamesTheHistogramAndIndex()
    {
        var grid = new ImageGridCost(1, 3);
        var e = Assert.Throws<ArgumentException>(() => Barycenter.Bregman([1, 1, 1, 1, -1, 1], [], grid, Options));
        Assert.Contains("histograms[1][1]", e.Message);
        Assert.Throws<ArgumentException>(() => Barycenter.Bregman([1, 1], [], grid, Options));
        Assert.Throws<ArgumentException>(() => Barycenter.Bregman([1, 1, 1], [1, 2], grid, Options));
        Assert.Throws<ArgumentOutOfRangeException>(() => Barycenter.Bregman([1, 1, 1], [], grid, Options with { Epsilon = 0 }));
        foreach (double omega in new[] { 0.5, 2, double.NaN })
            Assert.Equal("OverRelaxation", Assert.Throws<ArgumentOutOfRangeException>(() => Barycenter.Bregman([1, 1, 1], [], grid, Options with { OverRelaxation = omega })).ParamName);
    }
}
