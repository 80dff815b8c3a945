// NumPy's .npy format (numpy.lib.format, versions 1.0-3.0): magic "\x93NUMPY", version,
// header length, a Python-literal dict {descr, fortran_order, shape}, then the raw data.
// Reading accepts little-endian float64/float32/int64/int32/uint8 in C order and returns
// doubles; writing produces version 1.0 float64 or int64, so POT and PyTorch users can
// exchange arrays with np.load.
using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace OtKernels.IO;

public static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads an array as doubles, with its shape.</summary>
    /// <exception cref="InvalidDataException">Not an .npy file, an unsupported dtype, or
    /// Fortran order; the message names the file and what to do.</exception>
    public static (double[] Data, int[] Shape) ReadDoubles(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an .npy file (bad magic).");
        int major = bytes[6];
        int headerLength, offset;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else if (major is 2 or 3) { headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); offset = 12; }
        else throw new InvalidDataException($"{path}: .npy version {major} is not supported.");
        string header = Encoding.Latin1.GetString(bytes, offset, headerLength);
        int dataStart = offset + headerLength;

        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"{path}: header has no descr: {header.Trim()}");
        if (FortranPattern().Match(header) is { Success: true } f && f.Groups[1].Value == "True")
            throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported; save np.ascontiguousarray(x).");
        Match s = ShapePattern().Match(header);
        if (!s.Success) throw new InvalidDataException($"{path}: header has no shape: {header.Trim()}");
        int[] shape = s.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        long count = shape.Aggregate(1L, (x, y) => x * y);

        (int size, Func<ReadOnlySpan<byte>, double> read) = descr switch
        {
            "<f8" => (8, (Func<ReadOnlySpan<byte>, double>)(b => BinaryPrimitives.ReadDoubleLittleEndian(b))),
            "<f4" => (4, b => BinaryPrimitives.ReadSingleLittleEndian(b)),
            "<i8" => (8, b => BinaryPrimitives.ReadInt64LittleEndian(b)),
            "<i4" => (4, b => BinaryPrimitives.ReadInt32LittleEndian(b)),
            "|u1" or "<u1" => (1, b => b[0]),
            _ => throw new InvalidDataException($"{path}: dtype '{descr}' is not supported; use float64, float32, int64, int32 or uint8, little-endian."),
        };
        if (bytes.Length - dataStart != count * size)
            throw new InvalidDataException($"{path}: {bytes.Length - dataStart} data bytes, but shape ({string.Join(", ", shape)}) of '{descr}' needs {count * size}.");
        var data = new double[count];
        for (long k = 0; k < count; k++) data[k] = read(bytes.AsSpan((int)(dataStart + k * size), size));
        return (data, shape);
    }

    /// <summary>Writes float64 data of the given shape (C order), atomically.</summary>
    public static void Write(string path, ReadOnlySpan<double> data, params int[] shape)
    {
        byte[] payload = new byte[data.Length * 8];
        for (int k = 0; k < data.Length; k++) BinaryPrimitives.WriteDoubleLittleEndian(payload.AsSpan(8 * k), data[k]);
        WriteRaw(path, "<f8", payload, data.Length, shape);
    }

    /// <summary>Writes int64 data of the given shape (C order), atomically.</summary>
    public static void Write(string path, ReadOnlySpan<long> data, params int[] shape)
    {
        byte[] payload = new byte[data.Length * 8];
        for (int k = 0; k < data.Length; k++) BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(8 * k), data[k]);
        WriteRaw(path, "<i8", payload, data.Length, shape);
    }

    private static void WriteRaw(string path, string descr, byte[] payload, int count, int[] shape)
    {
        if (shape.Aggregate(1L, (x, y) => x * y) != count)
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) does not hold {count} values.", nameof(shape));
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Pad so that magic + version + length + header is a multiple of 64, ending in '\n'.
        int total = 10 + dict.Length + 1;
        string header = dict + new string(' ', (64 - total % 64) % 64) + "\n";
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Magic);
            stream.Write([1, 0]);
            Span<byte> length = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            stream.Write(length);
            stream.Write(Encoding.Latin1.GetBytes(header));
            stream.Write(payload);
        });
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")] private static partial Regex DescrPattern();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")] private static partial Regex FortranPattern();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")] private static partial Regex ShapePattern();
}
