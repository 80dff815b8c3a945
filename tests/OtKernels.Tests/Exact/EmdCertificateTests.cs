// EmdResult.Certify, the certificate users call, against the tests' own independent check
// (Certificate.Check, after LEMON's checkMcf): it holds for every solver result that check
// accepts, and fails, naming the right quantity, when a planted fault breaks the proof.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Exact;
using Xunit;

namespace OtKernels.Tests.Exact;

public class EmdCertificateTests
{
    [Fact]
    public void Certify_HoldsWhereTheIndependentCheckHolds()
    {
        Prop.ForAll(TransportProblem.Arbitrary(30), p =>
        {
            EmdResult r = NetworkSimplex.Solve(p.A, p.B, p.Cost);
            Certificate.Check(p, r);
            EmdCertificate certificate = r.Certify(p.A, p.B, p.Cost);
            Assert.True(certificate.Holds(), $"{p}: {certificate}");
            Assert.Equal(r.Cost, certificate.PrimalCost, 1e-12 * Math.Max(1, certificate.ValueScale));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Certify_Fails_ForAPlantedFault_AndNamesIt()
    {
        TransportProblem p = TransportProblem.Create(CostKind.UniformReal, 5, 4, 3);
        EmdResult r = NetworkSimplex.Solve(p.A, p.B, p.Cost);
        Assert.True(r.Certify(p.A, p.B, p.Cost).Holds());

        // Raising one dual breaks feasibility on its row, and the gap with it.
        double[] u = (double[])r.U.Clone(), v = r.V;
        u[0] += 0.1;
        var raised = new EmdResult(r.Cost, r.Plan, () => (u, v), r.Iterations, r.Status);
        EmdCertificate broken = raised.Certify(p.A, p.B, p.Cost);
        Assert.False(broken.Holds());
        Assert.True(broken.MaxDualViolation >= 0.1 - 1e-12, $"{broken}");

        // A plan that moves too little mass out of bin 0 misses its marginal.
        double[] mass = (double[])r.Plan.Mass.Clone();
        int first = Array.IndexOf(r.Plan.Rows, 0);
        mass[first] *= 0.5;
        var shortPlan = new EmdResult(r.Cost, r.Plan with { Mass = mass }, () => (r.U, r.V), r.Iterations, r.Status);
        EmdCertificate missing = shortPlan.Certify(p.A, p.B, p.Cost);
        Assert.False(missing.Holds());
        Assert.Equal(0.5 * r.Plan.Mass[first], missing.MaxMarginalError, 1e-15);
        Assert.Throws<ArgumentException>("b", () => r.Certify(p.A, p.A, p.Cost));
    }
}
