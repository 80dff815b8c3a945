using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace OtKernels.Tests;

public class ThreadTeamTests
{
    [Fact]
    public void Sync_LetsNoWorkerAhead_AndPublishesTheWritesBeforeIt()
    {
        // Each step every worker writes its slot, syncs, and reads every slot: a worker that
        // passed the barrier early, or a write not yet visible, reads a stale step number.
        Prop.ForAll(Gen.Choose(1, 5).ToArbitrary(), Gen.Choose(1, 300).ToArbitrary(), (workers, steps) =>
        {
            var slots = new int[workers];
            var stale = new int[workers];
            ThreadTeam.Run(workers, (worker, team) =>
            {
                for (int step = 1; step <= steps; step++)
                {
                    slots[worker] = step;
                    team.Sync();
                    for (int other = 0; other < workers; other++)
                        if (slots[other] != step) stale[worker]++;
                    team.Sync();
                }
            });
            Assert.All(stale, count => Assert.Equal(0, count));
            Assert.All(slots, last => Assert.Equal(steps, last));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void AFailingWorker_ReleasesTheOthers_AndItsExceptionIsRethrown()
    {
        // Worker 1 throws before its first Sync, where the others wait for it: Run must return
        // (not hang) and throw that exception, not the others' release.
        foreach (int workers in new[] { 2, 4 })
        {
            var e = Assert.Throws<InvalidOperationException>(() => ThreadTeam.Run(workers, (worker, team) =>
            {
                if (worker == 1) throw new InvalidOperationException("worker 1 failed");
                team.Sync();
            }));
            Assert.Equal("worker 1 failed", e.Message);
        }
    }

    [Fact]
    public void Shares_CoverTheLength_SplitAtMultiplesOfFour()
    {
        Prop.ForAll(Gen.Choose(1, 8).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (workers, length) =>
        {
            var covered = new int[length];
            ThreadTeam.Run(workers, (worker, team) =>
            {
                (int start, int end) = team.Share(worker, length);
                Assert.True(start % 4 == 0 && (end % 4 == 0 || end == length) && start <= end, $"worker {worker}: [{start}, {end})");
                for (int i = start; i < end; i++) Interlocked.Increment(ref covered[i]);
            });
            Assert.All(covered, count => Assert.Equal(1, count));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Workers_AreAsAsked_OrOneForSmallWork_OrEveryCore_AndNeverMoreThanTheParts()
    {
        Prop.ForAll(Gen.Choose(0, 100_000).ToArbitrary(), Gen.Choose(1, 64).ToArbitrary(), Gen.Choose(-1, 8).ToArbitrary(), (work, parts, asked) =>
        {
            const long small = 50_000;
            int workers = ThreadTeam.Workers(work, small, parts, asked);
            int expected = asked > 0 ? Math.Min(asked, parts) : work < small ? 1 : Math.Min(Environment.ProcessorCount, parts);
            Assert.Equal(expected, workers);
            Assert.InRange(workers, 1, parts);
        }).QuickCheckThrowOnFailure();
    }
}
