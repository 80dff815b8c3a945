// The evaluation numbers of DWE against hand-computed values, and the pairs file reader's
// refusals, which name the line.
using OtNet.Data;
using OtNet.Training;
using Xunit;

namespace OtNet.Tests.Training;

public sealed class DistanceFitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otnet-fit").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DistanceFit_MatchesHandComputedValues()
    {
        // truth 1, 2, 3; predicted 2, 2, 4: errors 1, 0, 1.
        DistanceFit fit = DistanceFit.Of([1, 2, 3], [2, 2, 4]);
        Assert.Equal(2.0 / 3, fit.Mse, 12);
        Assert.Equal(2.0 / 14, fit.RelativeMse, 12);
        // Pearson of (1, 2, 3) and (2, 2, 4): covariance 2, variances 2 and 8/3.
        Assert.Equal(2 / Math.Sqrt(2 * 8.0 / 3), fit.Correlation, 12);
        DistanceFit perfect = DistanceFit.Of([1, 5, 2], [1, 5, 2]);
        Assert.Equal((0.0, 0.0, 1.0), (perfect.Mse, perfect.RelativeMse, Math.Round(perfect.Correlation, 12)));
        Assert.Throws<ArgumentException>(() => DistanceFit.Of([1, 2], [1]));
    }

    [Fact]
    public void W2PairsRead_RefusesBadLines_NamingThem()
    {
        string path = Path.Combine(_dir, "p.csv");
        File.WriteAllText(path, "i,j,w2sq\n0,1,2.5\n3,9,1\n");
        W2Pairs ok = W2Pairs.Read(path, images: 10);
        Assert.Equal([0, 3], ok.First);
        Assert.Equal([2.5, 1], ok.Distances);
        var e = Assert.Throws<InvalidDataException>(() => W2Pairs.Read(path, images: 9));
        Assert.Contains("p.csv:3:", e.Message);
        File.WriteAllText(path, "i,j,w2sq\n0,1,-2\n");
        Assert.Contains("p.csv:2:", Assert.Throws<InvalidDataException>(() => W2Pairs.Read(path, 10)).Message);
        File.WriteAllText(path, "i,j\n0,1\n");
        Assert.Contains("w2sq", Assert.Throws<InvalidDataException>(() => W2Pairs.Read(path, 10)).Message);
    }
}
