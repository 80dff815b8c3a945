// The IDX format of the MNIST files (LeCun et al.): a 4-byte magic (0, 0, type, rank), rank
// big-endian int32 dimensions, then the data in row-major order. Only unsigned bytes
// (type 0x08), the type of every MNIST file, are read.
using System.Buffers.Binary;
using OtKernels.IO;

namespace OtKernels.Data;

/// <summary>An IDX array of unsigned bytes: its shape and its data.</summary>
public sealed record IdxArray(int[] Shape, byte[] Data)
{
    /// <summary>Reads an IDX file of unsigned bytes.</summary>
    /// <exception cref="InvalidDataException">A bad magic, a type other than ubyte, or a
    /// length that does not match the shape; the message names the file.</exception>
    public static IdxArray Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses the bytes of an IDX file; <paramref name="name"/> only labels errors.</summary>
    public static IdxArray Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{name}: not an IDX file (bad magic).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{name}: IDX element type 0x{bytes[2]:x2} is not unsigned byte (0x08).");
        int rank = bytes[3];
        int header = 4 + 4 * rank;
        if (rank == 0 || bytes.Length < header)
            throw new InvalidDataException($"{name}: truncated IDX header.");
        var shape = new int[rank];
        long count = 1;
        for (int k = 0; k < rank; k++)
        {
            shape[k] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * k));
            if (shape[k] < 0) throw new InvalidDataException($"{name}: negative dimension {k}.");
            count *= shape[k];
        }
        if (bytes.Length - header != count)
            throw new InvalidDataException($"{name}: {bytes.Length - header} data bytes, but the shape [{string.Join(", ", shape)}] needs {count}.");
        return new IdxArray(shape, bytes[header..]);
    }

    /// <summary>Writes the array as an IDX file of unsigned bytes, atomically.</summary>
    /// <exception cref="ArgumentException">The shape's product is not the data's length.</exception>
    public void Write(string path)
    {
        long count = Shape.Aggregate(1L, (product, n) => product * n);
        if (Shape.Length is 0 or > 255 || count != Data.Length)
            throw new ArgumentException($"Shape [{string.Join(", ", Shape)}] does not hold the {Data.Length} bytes of the data.", nameof(Shape));
        var header = new byte[4 + 4 * Shape.Length];
        (header[2], header[3]) = (0x08, (byte)Shape.Length);
        for (int k = 0; k < Shape.Length; k++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * k), Shape[k]);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            stream.Write(Data);
        });
    }
}
