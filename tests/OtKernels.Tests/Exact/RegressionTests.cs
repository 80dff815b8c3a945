using Xunit;

namespace OtKernels.Tests.Exact;

/// <summary>Fixed problems that run the full GLPK + certificate check on every test run.
/// When a property in NetworkSimplexTests fails, its message starts with the problem as a
/// call, TransportProblem.Create(kind, n, m, seed): add it here as an InlineData row, so
/// that every counterexample ever found stays a regression test. No property has failed
/// on the solver so far; the rows below pin one case of each cost kind, including the
/// largest size the properties draw.</summary>
public class RegressionTests
{
    [Theory]
    [InlineData(CostKind.SqEuclideanPoints, 53, 12, 643207553)] // first case of the GLPK property, kept when the property was checked to fail on a planted offset
    [InlineData(CostKind.SmallIntegers, 60, 60, 1)]
    [InlineData(CostKind.WideRange, 60, 41, 2)]
    [InlineData(CostKind.UniformReal, 1, 60, 3)]
    [InlineData(CostKind.EuclideanPoints, 60, 1, 4)]
    public void KnownCase_MatchesGlpk_AndCertificateHolds(CostKind kind, int n, int m, int seed) =>
        Certificate.SolveAndCheckAgainstGlpk(TransportProblem.Create(kind, n, m, seed));
}
