// A small PNG encoder (no imaging package is available to us): 8-bit grayscale or RGB,
// non-interlaced, each row filtered by the one of PNG's five filters with the smallest sum
// of absolute values (the heuristic of the PNG specification, section 12.8), the rows
// deflated by ZLibStream. Chunks are length, type, data and a CRC-32 of type and data
// (ISO/IEC 15948, sections 5.3-5.4 and 11.2).
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

using OtKernels.IO;

namespace OtKernels.Cli.Pictures;

/// <summary>The PNG colour types written here.</summary>
internal enum PngColor
{
    /// <summary>One byte per pixel (colour type 0).</summary>
    Gray = 0,
    /// <summary>Three bytes per pixel, R G B (colour type 2).</summary>
    Rgb = 2,
}

/// <summary>An 8-bit gray or RGB PNG encoder with adaptive row filters.</summary>
internal static class Png
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes pixels (row-major, top row first) to path atomically.</summary>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, PngColor color = PngColor.Gray)
    {
        byte[] png = Encode(pixels, width, height, color);
        AtomicFile.Write(path, s => s.Write(png));
    }

    /// <summary>The PNG file of pixels: width x height x (1 or 3) bytes, row-major.</summary>
    /// <exception cref="ArgumentException">Sizes that are not positive or do not match pixels.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, PngColor color = PngColor.Gray)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!Enum.IsDefined(color)) throw new ArgumentOutOfRangeException(nameof(color), color, "Gray or Rgb.");
        int channels = color == PngColor.Rgb ? 3 : 1;
        int stride = checked(width * channels);
        if (pixels.Length != checked(stride * height))
            throw new ArgumentException($"pixels has length {pixels.Length} but {width} x {height} x {channels} requires {stride * height}.", nameof(pixels));

        using var output = new MemoryStream();
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                 // bit depth
        header[9] = (byte)color;
        header[10] = header[11] = header[12] = 0; // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR", header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var filtered = new byte[stride + 1];
            var best = new byte[stride + 1];
            for (int row = 0; row < height; row++)
            {
                ReadOnlySpan<byte> line = pixels.Slice(row * stride, stride);
                ReadOnlySpan<byte> above = row > 0 ? pixels.Slice((row - 1) * stride, stride) : default;
                long bestScore = long.MaxValue;
                for (byte filter = 0; filter <= 4; filter++)
                {
                    long score = Filter(filter, line, above, channels, filtered);
                    if (score < bestScore) { bestScore = score; filtered.CopyTo(best, 0); }
                }
                zlib.Write(best);
            }
        }
        WriteChunk(output, "IDAT", compressed.ToArray());
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Filters one row into destination (filter byte first); returns the sum of
    /// the filtered bytes read as signed values, the selection heuristic.</summary>
    private static long Filter(byte filter, ReadOnlySpan<byte> line, ReadOnlySpan<byte> above, int bpp, Span<byte> destination)
    {
        destination[0] = filter;
        long score = 0;
        for (int i = 0; i < line.Length; i++)
        {
            int left = i >= bpp ? line[i - bpp] : 0, up = above.IsEmpty ? 0 : above[i];
            int upLeft = i >= bpp && !above.IsEmpty ? above[i - bpp] : 0;
            int predictor = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) / 2,
                _ => Paeth(left, up, upLeft),
            };
            byte value = (byte)(line[i] - predictor);
            destination[i + 1] = value;
            score += Math.Abs((int)(sbyte)value);
        }
        return score;
    }

    /// <summary>The Paeth predictor: of left, up and upper-left, the one nearest left + up - upper-left.</summary>
    internal static int Paeth(int left, int up, int upLeft)
    {
        int p = left + up - upLeft, pa = Math.Abs(p - left), pb = Math.Abs(p - up), pc = Math.Abs(p - upLeft);
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }
}

/// <summary>CRC-32 with the polynomial 0xEDB88320 (reflected), as PNG and zlib use it.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>Continues a running CRC (start with 0xFFFFFFFF, finish by xor with 0xFFFFFFFF).</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }
}
