// The PNG encoder against an independent decoder written here from the specification: chunk
// CRCs by the bitwise CRC-32 (not the encoder's table), zlib inflation by the runtime, and
// all five row filters undone, on FsCheck-generated images.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using OtKernels.Cli.Pictures;
using Xunit;

namespace OtKernels.Cli.Tests.Pictures;

public class PngTests
{
    /// <summary>(width, height, colour, pixels) decoded from a PNG file; throws on any defect.</summary>
    internal static (int Width, int Height, PngColor Color, byte[] Pixels) Decode(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        int width = 0, height = 0, channels = 0;
        PngColor color = PngColor.Gray;
        var idat = new MemoryStream();
        int at = 8;
        string type;
        do
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            type = Encoding.ASCII.GetString(png, at + 4, 4);
            byte[] data = png.AsSpan(at + 8, length).ToArray();
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            Assert.Equal(BitwiseCrc(png.AsSpan(at + 4, 4 + length)), crc);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
                Assert.Equal(8, data[8]);
                color = (PngColor)data[9];
                channels = color == PngColor.Rgb ? 3 : 1;
                Assert.Equal(new byte[] { 0, 0, 0 }, data[10..13]);
            }
            else if (type == "IDAT") idat.Write(data);
            at += 12 + length;
        } while (type != "IEND");
        Assert.Equal(png.Length, at);

        idat.Position = 0;
        using var zlib = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        zlib.CopyTo(raw);
        byte[] rows = raw.ToArray();
        int stride = width * channels;
        Assert.Equal(height * (stride + 1), rows.Length);
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = rows[y * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int left = i >= channels ? pixels[y * stride + i - channels] : 0;
                int up = y > 0 ? pixels[(y - 1) * stride + i] : 0;
                int upLeft = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels] : 0;
                int p = left + up - upLeft, pa = Math.Abs(p - left), pb = Math.Abs(p - up), pc = Math.Abs(p - upLeft);
                int predictor = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) >> 1,
                    4 => pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft,
                    _ => throw new InvalidDataException($"filter {filter}"),
                };
                pixels[y * stride + i] = (byte)(rows[y * (stride + 1) + 1 + i] + predictor);
            }
        }
        return (width, height, color, pixels);
    }

    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    [Fact]
    public void Encode_RoundTripsThroughAnIndependentDecoder()
    {
        var images = from w in Gen.Choose(1, 40)
                     from h in Gen.Choose(1, 30)
                     from rgb in Gen.Elements(false, true)
                     from smooth in Gen.Elements(false, true)
                     from seed in Gen.Choose(0, int.MaxValue)
                     select (w, h, rgb, smooth, seed);
        Prop.ForAll(images.ToArbitrary(), t =>
        {
            var rng = new Random(t.seed);
            int channels = t.rgb ? 3 : 1;
            var pixels = new byte[t.w * t.h * channels];
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = t.smooth ? (byte)((i / channels % t.w) * 7 + (i / (t.w * channels)) * 3 + rng.Next(3)) : (byte)rng.Next(256);
            var color = t.rgb ? PngColor.Rgb : PngColor.Gray;
            var decoded = Decode(Png.Encode(pixels, t.w, t.h, color));
            Assert.Equal((t.w, t.h, color), (decoded.Width, decoded.Height, decoded.Color));
            Assert.Equal(pixels, decoded.Pixels);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    [Fact]
    public void Encode_BadSizes_NameTheArgument()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Png.Encode(new byte[4], 0, 4));
        var e = Assert.Throws<ArgumentException>(() => Png.Encode(new byte[5], 2, 2, PngColor.Gray));
        Assert.Equal("pixels", e.ParamName);
    }

    [Fact]
    public void Write_IsAtomicAndDecodable()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("otk-png-").FullName, "a.png");
        Png.Write(path, new byte[] { 0, 128, 255, 64 }, 2, 2);
        Assert.Equal(new byte[] { 0, 128, 255, 64 }, Decode(File.ReadAllBytes(path)).Pixels);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void ImageGrid_ScalesEachImageByItsMaximum_AndDrawsTheCaption()
    {
        float[] a = [0, 1, 2, 4], b = [0, 0, 0, 0.5f], c = [0, 0, 0, 0];
        var (pixels, width, height) = ImageGrid.Compose([a, b, c], 2, 2, columns: 2, scale: 3, caption: "W2 = 1.5", gap: 1);
        var decoded = Decode(Png.Encode(pixels, width, height));
        Assert.Equal(pixels, decoded.Pixels);
        int captionH = (5 + 2) * 1 + 1; // captionScale = scale / 2 = 1
        Assert.Equal(captionH + 2 * 6 + 1, height);
        Assert.Equal(8 * 4 + 2, width);                              // the caption is wider than the grid
        byte At(int x, int y) => pixels[y * width + x];
        Assert.Equal(255, At(3 + 1, captionH + 3 + 1));            // a's max (bottom-right pixel)
        Assert.Equal(64, At(3, captionH));                        // a's 1 / 4, top-right pixel, rounded
        Assert.Equal(128, At(0, captionH + 3));                   // a's 2 / 4, bottom-left
        Assert.Equal(255, At(6 + 1 + 3, captionH + 3));            // b's only mass
        Assert.Equal(0, At(0, captionH + 6 + 1));                   // c is empty
        Assert.Contains(pixels.Take(captionH * width), p => p == 255);
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([a], 2, 2, 1, caption: "é"));
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([[0, -1, 0, 0]], 2, 2, 1));
    }
}
