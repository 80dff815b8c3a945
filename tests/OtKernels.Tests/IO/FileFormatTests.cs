using System.Buffers.Binary;
using System.Text;
using OtKernels.Data;
using OtKernels.IO;
using Xunit;

namespace OtKernels.Tests.IO;

public sealed class FileFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otk-io-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Npy_RoundTripsDoublesAndShape_BitForBit()
    {
        double[] data = [0.1, -2.5e-300, double.Epsilon, 1e300, Math.PI, 7];
        string path = Path.Combine(_dir, "x.npy");
        Npy.Write(path, data, 2, 3);
        (double[] back, int[] shape) = Npy.ReadDoubles(path);
        Assert.Equal([2, 3], shape);
        Assert.Equal(data, back);
        // NumPy requires the header block to end on a 64-byte boundary with '\n'.
        byte[] bytes = File.ReadAllBytes(path);
        int headerEnd = 10 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, headerEnd % 64);
        Assert.Equal((byte)'\n', bytes[headerEnd - 1]);
    }

    [Fact]
    public void Npy_ReadsFloat32AndInt32_RejectsFortranOrder()
    {
        string path = Path.Combine(_dir, "f.npy");
        WriteNpy(path, "<f4", "(3,)", [.. BitConverter.GetBytes(1.5f), .. BitConverter.GetBytes(-2f), .. BitConverter.GetBytes(0f)]);
        Assert.Equal([1.5, -2, 0], Npy.ReadDoubles(path).Data);
        WriteNpy(path, "<i4", "(2,)", [.. BitConverter.GetBytes(-7), .. BitConverter.GetBytes(9)]);
        Assert.Equal([-7.0, 9], Npy.ReadDoubles(path).Data);
        WriteNpy(path, "<f8", "(1, 1)", BitConverter.GetBytes(1.0), fortran: true);
        Assert.Contains("Fortran", Assert.Throws<InvalidDataException>(() => Npy.ReadDoubles(path)).Message);
        WriteNpy(path, ">f8", "(1,)", BitConverter.GetBytes(1.0));
        Assert.Contains(">f8", Assert.Throws<InvalidDataException>(() => Npy.ReadDoubles(path)).Message);
    }

    private static void WriteNpy(string path, string descr, string shape, byte[] payload, bool fortran = false)
    {
        string header = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        header += new string(' ', 63 - (10 + header.Length) % 64) + "\n";
        using var s = File.Create(path);
        s.Write([0x93, .. "NUMPY"u8, 1, 0]);
        s.Write(BitConverter.GetBytes((ushort)header.Length));
        s.Write(Encoding.Latin1.GetBytes(header));
        s.Write(payload);
    }

    [Fact]
    public void Idx_ReadsShapeAndData_AndRejectsTruncation()
    {
        string path = Path.Combine(_dir, "images-idx3-ubyte");
        byte[] header = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
        File.WriteAllBytes(path, [.. header, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        IdxArray idx = IdxArray.Read(path);
        Assert.Equal([2, 2, 3], idx.Shape);
        Assert.Equal(12, idx.Data[^1]);
        File.WriteAllBytes(path, [.. header, 1, 2, 3]);
        Assert.Contains("needs 12", Assert.Throws<InvalidDataException>(() => IdxArray.Read(path)).Message);
    }

    [Fact]
    public void MnistLoad_NamesAMissingOrCorruptFile_AndSaysHowToFetch()
    {
        string mnist = Directory.CreateDirectory(Path.Combine(_dir, "mnist")).FullName;
        var missing = Assert.Throws<FileNotFoundException>(() => MnistStore.Load(_dir, "test"));
        Assert.Contains("t10k-images-idx3-ubyte", missing.Message);
        Assert.Contains("otk data mnist", missing.Message);
        File.WriteAllBytes(Path.Combine(mnist, "t10k-images-idx3-ubyte"), [0, 0, 8, 1, 0, 0, 0, 1, 7]);
        var corrupt = Assert.Throws<InvalidDataException>(() => MnistStore.Load(_dir, "test"));
        Assert.Contains("SHA-256", corrupt.Message);
        Assert.Contains("t10k-images-idx3-ubyte", corrupt.Message);
    }

    [Fact]
    public void Csv_DetectsHeader_AndNamesTheBadCell()
    {
        string path = Path.Combine(_dir, "t.csv");
        File.WriteAllText(path, "i,j\n1,2\n3,4\n");
        (string[]? header, double[] data, int rows, int cols) = Csv.Read(path);
        Assert.Equal(["i", "j"], header!);
        Assert.Equal((2, 2), (rows, cols));
        Assert.Equal([1.0, 2, 3, 4], data);
        File.WriteAllText(path, "1,2\n3,x\n");
        Assert.Contains("t.csv:2: column 2", Assert.Throws<InvalidDataException>(() => Csv.Read(path)).Message);
    }

    [Fact]
    public void AtomicWrite_LeavesTargetUntouched_WhenTheWriterFails()
    {
        string path = Path.Combine(_dir, "out.txt");
        File.WriteAllText(path, "old");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.WriteByte(1); throw new IOException("disk full"); }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void PairsCsv_NamesTheFilesOwnLine_PastBlankLines()
    {
        string path = Path.Combine(_dir, "pairs.csv");
        File.WriteAllText(path, "i,j,w2sq\n\n0,1,2.5\n\n3,9,1\n");
        (int[] first, int[] second, double[]? w2) = PairsCsv.Read(path, images: 10, withDistances: true);
        Assert.Equal([0, 3], first);
        Assert.Equal([1, 9], second);
        Assert.Equal([2.5, 1], w2!);
        Assert.Contains("pairs.csv:5:", Assert.Throws<InvalidDataException>(() => PairsCsv.Read(path, images: 9, withDistances: true)).Message);
        File.WriteAllText(path, "i,j,w2sq\n0,1,2.5\n\n3,9,14,0,1,2\n"); // a cut row fused with the next
        Assert.Contains("pairs.csv:4: 6 fields, expected 3", Assert.Throws<InvalidDataException>(() => PairsCsv.Read(path, 10, withDistances: true)).Message);
        File.WriteAllText(path, "i,j\n1.5,2\n");
        Assert.Contains("i = 1.5 is not an image index", Assert.Throws<InvalidDataException>(() => PairsCsv.Read(path, 10, withDistances: false)).Message);
    }

    [Fact]
    public void Npy_OverTwoGiB_IsRefused_WithItsSizeAndTheLimit()
    {
        // A sparse file: 3 GiB long, no disk used. File.ReadAllBytes failed on it with an
        // IOException that named neither the limit nor what to do.
        string path = Path.Combine(_dir, "big.npy");
        Npy.Write(path, [1.0], 1);
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(3L << 30);
        var e = Assert.Throws<InvalidDataException>(() => Npy.ReadDoubles(path));
        Assert.Contains("3,221,225,472 bytes", e.Message);
        Assert.Contains("2 GiB", e.Message);
    }

    [Fact]
    public void AtomicWrite_RefusesBadTargets_NamingTheTarget_AndCreatesNothing()
    {
        string file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");
        string missing = Path.Combine(_dir, "no", "such", "dir", "out.npy");
        string underFile = Path.Combine(file, "out.npy");
        foreach ((string target, string why) in new[] { (_dir, "it is a directory"), (missing, "does not exist"), (underFile, "is a file, not a directory") })
        {
            var e = Assert.ThrowsAny<IOException>(() => Npy.Write(target, [1.0], 1));
            Assert.Contains(Path.GetFullPath(target), e.Message);
            Assert.Contains(why, e.Message);
            Assert.DoesNotContain(".tmp", e.Message);
        }
        Assert.False(Directory.Exists(Path.Combine(_dir, "no")));
        Assert.Equal([file], Directory.GetFiles(_dir));
    }
}
