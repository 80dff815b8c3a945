// A user's first program with the OtKernels packages, as docs/GUIDE.md walks through it:
// an exact transport plan with its certificate, a Sinkhorn divergence and its gradient
// (checked against a finite difference), a barycenter of two images, and a batch on the
// best accelerator the machine has. Exit code 1 if any check fails; tools/test.sh builds
// and runs it against freshly packed packages.
using OtKernels.Accelerators;
using OtKernels.Autodiff.Entropic;
using OtKernels.Entropic;
using OtKernels.Exact;
using OtKernels.Geometry;

var random = new Random(7);
double[] Points(int count) => Enumerable.Range(0, 2 * count).Select(_ => random.NextDouble()).ToArray();
double[] Uniform(int count) => Enumerable.Repeat(1.0 / count, count).ToArray();
bool ok = true;
void Check(bool passed, string what)
{
    Console.WriteLine($"  {(passed ? "ok  " : "FAIL")} {what}");
    ok &= passed;
}

// 1. Exact OT between two point clouds: the plan, and the dual potentials that prove it optimal.
int n = 30, m = 40;
double[] x = Points(n), y = Points(m), a = Uniform(n), b = Uniform(m);
var cost = new PointCloudCost(x, y, dimension: 2);
EmdResult emd = NetworkSimplex.Solve(a, b, cost);
EmdCertificate certificate = emd.Certify(a, b, cost);       // plan and dual feasibility, slackness, gap
Console.WriteLine($"exact OT: W2^2 = {emd.Cost:G10} ({emd.Status}), plan of {emd.Plan.Count} entries");
Check(certificate.Holds(), $"the certificate holds: <a,u> + <b,v> = {certificate.DualValue:G10}, max(u_i + v_j - C_ij) = {certificate.MaxDualViolation:E1}");
// In 1D the closed form equals the network simplex on the line.
double[] xa = Points(n / 2), xb = Points(m / 2);
double w2sq = Emd1D.Cost(Uniform(n), Uniform(m), xa, xb, p: 2);
double onTheLine = NetworkSimplex.Solve(Uniform(n), Uniform(m), new PointCloudCost(xa, xb, dimension: 1)).Cost;
Check(Math.Abs(w2sq - onTheLine) <= 1e-12, $"1D closed form W2^2 = {w2sq:G10}, network simplex {onTheLine:G10}");
// Sliced W2 over 50 seeded directions: each projection shortens distances, so SW2 <= W2.
double sw2 = SlicedWasserstein.Distance(a, b, x, y, dimension: 2, SlicedWasserstein.RandomProjections(2, 50, seed: 1));
Check(sw2 <= Math.Sqrt(emd.Cost) + 1e-12, $"sliced W2 = {sw2:G10} <= W2 = {Math.Sqrt(emd.Cost):G10}");

// 2. The Sinkhorn divergence and its gradient with respect to the source points.
var options = new SinkhornOptions { Epsilon = 0.05, Tolerance = 1e-12, MaxIterations = 100_000 };
SinkhornResult<double> ot = Sinkhorn.Solve(a, b, cost, options);
Check(ot.Status[0] == SinkhornStatus.Converged, $"OT_eps = {ot.Value[0]:G10} ({ot.Status[0]} after {ot.Iterations[0]} iterations)");
(double[] gradA, _) = ot.WeightGradients();                    // with OtKernels.Autodiff referenced
Check(Math.Abs(gradA.Sum()) <= 1e-12, "dOT/da sums to zero (a moves on the simplex)");
double Divergence(double[] points) => SinkhornDivergence.Solve(a, b, new PointCloudCost(points, y, 2), options).Value[0];
SinkhornDivergenceResult<double> s = SinkhornDivergence.Solve(a, b, cost, options);
(double[] gradX, _) = s.PositionGradients(cost);
const double h = 1e-5;
double[] plus = (double[])x.Clone(), minus = (double[])x.Clone();
plus[0] += h;
minus[0] -= h;
double finiteDifference = (Divergence(plus) - Divergence(minus)) / (2 * h);
Console.WriteLine($"Sinkhorn divergence (eps = 0.05): S = {s.Value[0]:G10}");
Check(Math.Abs(gradX[0] - finiteDifference) <= 1e-5 * Math.Max(1, Math.Abs(finiteDifference)),
    $"dS/dx_0 = {gradX[0]:G8}, central difference {finiteDifference:G8}");
// Unbalanced: twice the target mass. With rho = 0.5 part of the surplus is destroyed, so the
// plan carries between the two masses, and the divergence stays positive.
var relaxed = options with { MarginalPenalty = 0.5 };
double[] heavierB = b.Select(w => 2 * w).ToArray();
SinkhornResult<double> u = Sinkhorn.Solve(a, heavierB, cost, relaxed);
double moved = u.Plan(0).Sum();
Check(u.Status[0] == SinkhornStatus.Converged && moved > 1 && moved < 2, $"unbalanced OT_eps = {u.Value[0]:G10}, transported mass {moved:G6} between 1 and 2");
Check(SinkhornDivergence.Solve(a, heavierB, cost, relaxed).Value[0] > 0, "the unbalanced divergence is positive");
// Gromov–Wasserstein sees only distances within each space: a rotated copy of x is the same space.
double[] Distances(double[] points, int count)
{
    var self = new PointCloudCost(points, points, 2, GroundMetric.Euclidean);
    var c = new double[count * count];
    for (int i = 0; i < count; i++)
        for (int k = 0; k < count; k++) c[i * count + k] = self[i, k];
    return c;
}
double[] rotated = new double[x.Length];
for (int i = 0; i < n; i++) (rotated[2 * i], rotated[2 * i + 1]) = (-x[2 * i + 1], x[2 * i]);
var gwOptions = new GromovWassersteinOptions { Epsilon = 0.05 };
GromovWassersteinResult gw = GromovWasserstein.Solve(a, b, Distances(x, n), Distances(y, m), gwOptions);
GromovWassersteinResult gwRotated = GromovWasserstein.Solve(a, b, Distances(rotated, n), Distances(y, m), gwOptions);
Check(gw.Status == GromovWassersteinStatus.Converged && Math.Abs(gw.Value - gwRotated.Value) <= 1e-9,
    $"entropic GW = {gw.Value:G10}, the same for a rotated source ({gwRotated.Value:G10})");

// 3. The barycenter of two 16 x 16 images: a blob on the left and one on the right.
const int side = 16;
var grid = new ImageGridCost(side, side);
var images = new double[2 * side * side];
for (int r = 6; r < 10; r++)
    for (int c = 1; c < 5; c++)
    {
        images[r * side + c] = 1;                  // left blob, centred at column 2.5
        images[side * side + r * side + c + 10] = 1; // right blob, centred at column 12.5
    }
BarycenterResult bar = Barycenter.Convolutional(images, [], grid, new BarycenterOptions { Epsilon = 1.0 });
double mass = bar.Barycenter.Sum();
double column = Enumerable.Range(0, side * side).Sum(p => bar.Barycenter[p] * (p % side)) / mass;
Console.WriteLine($"barycenter of two images: {bar.Iterations} iterations ({bar.Status}), mass {mass:F6}, centre at column {column:F3}");
Check(Math.Abs(column - 7.5) <= 0.05, "the centre lies midway between the two blobs (column 7.5)");
BarycenterResult logDomain = Barycenter.Bregman(images, [], grid, new BarycenterOptions { Epsilon = 1.0 });
double apart = bar.Barycenter.Zip(logDomain.Barycenter, (p, q) => Math.Abs(p - q)).Max();
Check(apart <= 1e-4, $"Bregman in the log domain agrees ({apart:E1} at most)");
// McCann's interpolation along the exact plan: halfway, the blob sits midway too.
double[][] frames = DisplacementInterpolation.Interpolate(images.AsSpan(0, side * side), images.AsSpan(side * side), side, side, [0, 0.5, 1]);
double halfway = Enumerable.Range(0, side * side).Sum(p => frames[1][p] * (p % side)) / frames[1].Sum();
Check(Math.Abs(halfway - 7.5) <= 1e-9, $"displacement interpolation at t = 0.5: centre at column {halfway:F3}");

// 4. A batch of point-cloud problems on the best accelerator here (a GPU if present).
const int batch = 64, points = 16;
float[] Floats(int count) => Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
float[] weights = Enumerable.Repeat(1f / points, batch * points).ToArray();
var clouds = new PointCloudBatch(batch, points, points, 2, Floats(batch * points * 2), Floats(batch * points * 2), weights, weights);
var batchOptions = new SinkhornOptions { Epsilon = 0.1, Tolerance = 1e-4 };
using Accelerator accelerator = Accelerator.Create();
SinkhornResult<float> onAccelerator = Sinkhorn.SolveBatch(accelerator, clouds, batchOptions);
SinkhornResult<float> onCpu = Sinkhorn.SolveBatch(clouds, batchOptions);
double worst = Enumerable.Range(0, batch).Max(k => Math.Abs(onAccelerator.Value[k] - onCpu.Value[k]));
string statuses = string.Join(", ", onAccelerator.Status.GroupBy(status => status).Select(g => $"{g.Count()} {g.Key}"));
Console.WriteLine($"batch of {batch} Sinkhorn problems on {accelerator}: {statuses}");
Check(worst <= 1e-3, $"same values as the CPU code (largest difference {worst:E1})");
float[] upstream = Enumerable.Repeat(1f, batch).ToArray();                 // d(sum of values)
CloudGradients g = SinkhornBackward.Gradients(accelerator, clouds, onAccelerator, upstream);
CloudGradients gCpu = SinkhornBackward.Gradients(new CpuAccelerator(), clouds, onCpu, upstream);
double worstGradient = g.X.Zip(gCpu.X, (p, q) => (double)Math.Abs(p - q)).Max();
Check(worstGradient <= 1e-3, $"the gradients with respect to the points agree ({worstGradient:E1} at most)");

Console.WriteLine(ok ? "sample: all checks passed" : "sample: FAILED");
return ok ? 0 : 1;
