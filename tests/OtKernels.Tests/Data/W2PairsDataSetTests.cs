// The DWE data set on disk: sizes by share cover every pair with no part empty; what is
// written reads back through the pairs reader in draw order with its recipe; a file changed
// since is named; a manifest that is not one this class writes is refused with its path.
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Data;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Tests.Data;

public sealed class W2PairsDataSetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "otk-w2pairs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Sizes_FloorTheFirstTwoShares_AndGiveTheRestToTest()
    {
        Assert.Equal([700_000, 200_000, 100_000], W2PairsDataSet.Sizes(1_000_000, [0.7, 0.2, 0.1]));
        Assert.Equal([2, 1, 4], W2PairsDataSet.Sizes(7, [0.4, 0.2, 0.4]));
        Prop.ForAll((from count in Gen.Choose(3, 1_000_000) from a in Gen.Choose(1, 98) from b in Gen.Choose(1, 99 - a) select (count, a, b)).ToArbitrary(), t =>
        {
            double[] shares = [t.a / 100.0, t.b / 100.0, 1 - t.a / 100.0 - t.b / 100.0];
            int[] sizes;
            try { sizes = W2PairsDataSet.Sizes(t.count, shares); }
            catch (ArgumentException e)
            {
                // Refused only when a floor is zero or the rest is empty, and the part is named.
                Assert.True(Math.Floor(t.count * shares[0]) < 1 || Math.Floor(t.count * shares[1]) < 1
                            || t.count - Math.Floor(t.count * shares[0]) - Math.Floor(t.count * shares[1]) < 1, $"{t}: {e.Message}");
                Assert.Matches("leaves (train|valid|test) empty", e.Message);
                return;
            }
            Assert.Equal(t.count, sizes.Sum());
            Assert.All(sizes, s => Assert.True(s >= 1));
            Assert.Equal((int)Math.Floor(t.count * shares[0]), sizes[0]);
        }).QuickCheckThrowOnFailure();
        Assert.Throws<ArgumentException>("fractions", () => W2PairsDataSet.Sizes(10, [0.5, 0.6, 0.1]));
        Assert.Throws<ArgumentException>("fractions", () => W2PairsDataSet.Sizes(10, [0.5, 0.5]));
    }

    [Fact]
    public void Written_ReadsBackInDrawOrder_WithItsRecipe_AndWhole()
    {
        var recipe = new W2PairsRecipe("train", 5, [3, 2, 1], "ab12");
        int[] first = [0, 1, 2, 3, 4, 5], second = [9, 8, 7, 6, 5, 4];
        double[] distances = [0.5, 1.25, 3, 1e-7, 12345.678, 0];
        W2PairsDataSet.Write(_dir, recipe, first, second, distances);

        Assert.Equal(recipe, W2PairsDataSet.ReadRecipe(_dir));
        Assert.Empty(W2PairsDataSet.Damage(_dir));
        int at = 0;
        for (int p = 0; p < 3; p++)
        {
            (int[] i, int[] j, double[]? w) = PairsCsv.Read(W2PairsDataSet.PartPath(_dir, W2PairsDataSet.Parts[p]), images: 10, withDistances: true);
            Assert.Equal(first[at..(at + recipe.Sizes[p])], i);
            Assert.Equal(second[at..(at + recipe.Sizes[p])], j);
            Assert.Equal(distances[at..(at + recipe.Sizes[p])], w!);
            at += recipe.Sizes[p];
        }
        Assert.NotEqual(recipe, recipe with { Sizes = [2, 3, 1] });
        Assert.Equal(recipe, recipe with { Sizes = [3, 2, 1] });
        Assert.Throws<ArgumentException>(() => W2PairsDataSet.Write(_dir, recipe, first[..5], second, distances));
    }

    [Fact]
    public void Damage_NamesChangedAndMissingFiles()
    {
        W2PairsDataSet.Write(_dir, new W2PairsRecipe("test", 1, [2, 1, 1], "00"), [0, 1, 2, 3], [1, 2, 3, 0], [1, 2, 3, 4]);
        File.AppendAllText(W2PairsDataSet.PartPath(_dir, "valid"), "3,0,4\n");
        File.Delete(W2PairsDataSet.PartPath(_dir, "test"));
        IReadOnlyList<string> damage = W2PairsDataSet.Damage(_dir);
        Assert.Equal(2, damage.Count);
        Assert.Contains("valid.csv is damaged: 2 rows where manifest.json records 1", damage[0]);
        Assert.Contains("test.csv is missing", damage[1]);
    }

    [Theory]
    [InlineData("{\"seed\": \"1\", ")]
    [InlineData("[1, 2]")]
    [InlineData("{\"seed\": \"1\", \"split\": \"train\", \"count\": \"4\", \"sizes\": \"2,1\", \"images_sha256\": \"00\"}")]
    [InlineData("{\"seed\": \"x\", \"split\": \"train\", \"count\": \"4\", \"sizes\": \"2,1,1\", \"images_sha256\": \"00\"}")]
    [InlineData("{\"seed\": \"1\", \"split\": \"train\", \"count\": \"5\", \"sizes\": \"2,1,1\", \"images_sha256\": \"00\"}")]
    public void DamagedManifest_IsRefused_WithItsPath(string text)
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(W2PairsDataSet.ManifestPath(_dir), text);
        var e = Assert.Throws<InvalidDataException>(() => W2PairsDataSet.ReadRecipe(_dir));
        Assert.Contains("manifest.json", e.Message);
        Assert.Null(W2PairsDataSet.ReadRecipe(Path.Combine(_dir, "none")));
    }
}
