// kNN against a brute-force reference written another way (sort every distance), with
// FsCheck shapes, and the vote's tie rule.
using FsCheck;
using FsCheck.Fluent;
using OtNet.Analysis;
using Xunit;

namespace OtNet.Tests.Analysis;

public class NearestNeighboursTests
{
    [Fact]
    public void Nearest_IsTheSortedBruteForce_AndClassifyVotes()
    {
        Prop.ForAll((from count in Gen.Choose(1, 60) from queries in Gen.Choose(1, 20) from d in Gen.Choose(1, 6)
                     from k in Gen.Choose(1, 60) from seed in Gen.Choose(0, int.MaxValue) select (count, queries, d, k, seed)).ToArbitrary(), t =>
        {
            int k = Math.Min(t.k, t.count);
            var rng = new Random(t.seed);
            // Coarse values, so that equal distances happen and the index rule is exercised.
            float[] references = Enumerable.Range(0, t.count * t.d).Select(_ => (float)rng.Next(4)).ToArray();
            float[] queries = Enumerable.Range(0, t.queries * t.d).Select(_ => (float)rng.Next(4)).ToArray();
            int[] labels = Enumerable.Range(0, t.count).Select(_ => rng.Next(3)).ToArray();
            int[][] nearest = NearestNeighbours.Nearest(references, queries, t.d, k);
            int[] predicted = NearestNeighbours.Classify(references, labels, queries, t.d, k);
            for (int q = 0; q < t.queries; q++)
            {
                int[] expected = Enumerable.Range(0, t.count)
                    .OrderBy(r => Enumerable.Range(0, t.d).Sum(i => Math.Pow(queries[q * t.d + i] - references[r * t.d + i], 2))).ThenBy(r => r).Take(k).ToArray();
                Assert.Equal(expected, nearest[q]);
                Assert.Equal(NearestNeighbours.Vote(expected.Select(r => labels[r]).ToArray()), predicted[q]);
            }
        }).QuickCheckThrowOnFailure();
        Assert.Equal(2, NearestNeighbours.Vote([2, 1, 1, 2]));   // a tie: the nearest's label
        Assert.Equal(1, NearestNeighbours.Vote([2, 1, 1]));
        Assert.Throws<ArgumentOutOfRangeException>("k", () => NearestNeighbours.Nearest([0, 1], [0], 1, 3));
        Assert.Throws<ArgumentException>("references", () => NearestNeighbours.Classify([0, 1, 2], [0, 1], [0], 1, 1));
    }
}
