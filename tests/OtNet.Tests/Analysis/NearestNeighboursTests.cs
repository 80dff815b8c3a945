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

    [Fact]
    public void NearestBy_UnderAGivenDistance_IsTheSortedBruteForce_InAnyBlockSize()
    {
        // The Manhattan distance, computed pair by pair as the embedding's would be, against
        // sorting every distance; blocks that do not divide the queries included.
        Prop.ForAll((from count in Gen.Choose(1, 40) from queries in Gen.Choose(1, 17) from d in Gen.Choose(1, 4)
                     from k in Gen.Choose(1, 40) from block in Gen.Choose(1, 9) from seed in Gen.Choose(0, int.MaxValue)
                     select (count, queries, d, k, block, seed)).ToArbitrary(), t =>
        {
            int k = Math.Min(t.k, t.count);
            var rng = new Random(t.seed);
            float[] references = Enumerable.Range(0, t.count * t.d).Select(_ => (float)rng.Next(4)).ToArray();
            float[] queries = Enumerable.Range(0, t.queries * t.d).Select(_ => (float)rng.Next(4)).ToArray();
            double Manhattan(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
            {
                double sum = 0;
                for (int i = 0; i < x.Length; i++) sum += Math.Abs(x[i] - y[i]);
                return sum;
            }
            void Distances(float[] u, float[] v, double[] distances)
            {
                Assert.Equal(u.Length, distances.Length * t.d);
                for (int p = 0; p < distances.Length; p++) distances[p] = Manhattan(u.AsSpan(p * t.d, t.d), v.AsSpan(p * t.d, t.d));
            }
            var done = new List<int>();
            int[][] nearest = NearestNeighbours.NearestBy(references, queries, t.d, k, Distances, t.block, (finished, total) => { Assert.Equal(t.queries, total); done.Add(finished); });
            for (int q = 0; q < t.queries; q++)
            {
                int[] expected = Enumerable.Range(0, t.count)
                    .OrderBy(r => Manhattan(queries.AsSpan(q * t.d, t.d), references.AsSpan(r * t.d, t.d))).ThenBy(r => r).Take(k).ToArray();
                Assert.Equal(expected, nearest[q]);
            }
            Assert.Equal(t.queries, done[^1]);
            Assert.True(done.SequenceEqual(done.Order()), "progress went backwards");
        }).QuickCheckThrowOnFailure();
        Assert.Throws<ArgumentOutOfRangeException>("k", () => NearestNeighbours.NearestBy([0, 1], [0], 1, 3, (_, _, _) => { }));
        Assert.Throws<ArgumentException>("queries", () => NearestNeighbours.NearestBy([0, 1], [0, 1, 2], 2, 1, (_, _, _) => { }));
    }
}
