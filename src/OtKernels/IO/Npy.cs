// NumPy's .npy format (numpy.lib.format, versions 1.0-3.0): magic "\x93NUMPY", version,
// header length, a Python-literal dict {descr, fortran_order, shape}, then the raw data.
// Reading accepts little-endian float64/float32/int64/int32/uint8 in C order and returns
// doubles; writing produces version 1.0 float64 or int64, so POT and PyTorch users can
// exchange arrays with np.load.
using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace OtKernels.IO;

/// <summary>NumPy .npy files (float32 and float64, C order), read and written atomically.</summary>
public static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The largest file this reader takes: it reads whole files into one array.</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Reads an array as doubles, with its shape.</summary>
    /// <exception cref="InvalidDataException">Not an .npy file, a header cut short or
    /// malformed, a shape beyond 2^31 - 1 values, an unsupported dtype, Fortran order, a data
    /// size that does not match the shape, or a file over 2 GiB; the message names the file
    /// and what to do.</exception>
    public static (double[] Data, int[] Shape) ReadDoubles(string path) => ReadDoubles(path, out _);

    /// <summary>As <see cref="ReadDoubles(string)"/>, also giving the stored dtype ('&lt;f4', ...).</summary>
    public static (double[] Data, int[] Shape) ReadDoubles(string path, out string dtype)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new InvalidDataException($"{path}: {Thousands(length)} bytes; this reader takes .npy files up to {Thousands(MaxFileBytes)} bytes (2 GiB). Split the array.");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not an .npy file (bad magic).");
        int major = bytes[6];
        long headerLength;
        int offset;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); offset = 10; }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12) throw new InvalidDataException($"{path}: the .npy header is cut short ({bytes.Length} bytes).");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            offset = 12;
        }
        else throw new InvalidDataException($"{path}: .npy version {major} is not supported.");
        if (offset + headerLength > bytes.Length)
            throw new InvalidDataException($"{path}: the .npy header claims {headerLength} bytes but the file has {bytes.Length - offset} after the preamble; the file is cut short.");
        string header = Encoding.Latin1.GetString(bytes, offset, (int)headerLength);
        long dataStart = offset + headerLength;

        string descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"{path}: header has no descr: {header.Trim()}");
        dtype = descr;
        if (FortranPattern().Match(header) is { Success: true } f && f.Groups[1].Value == "True")
            throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported; save np.ascontiguousarray(x).");
        Match s = ShapePattern().Match(header);
        if (!s.Success) throw new InvalidDataException($"{path}: header has no shape: {header.Trim()}");
        int[] shape = ParseShape(path, s.Groups[1].Value);
        long count = 1; // saturates above Array.MaxLength, so the product cannot overflow
        foreach (int dim in shape) count = Math.Min(count * dim, 2L * Array.MaxLength);
        if (count > Array.MaxLength)
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", shape)}) holds more than the {Thousands(Array.MaxLength)} values this reader takes.");

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

    private static string Thousands(long value) => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The dimensions of a shape tuple, "(3, 4)" inside the parentheses; Python 2
    /// writes longs with an L suffix ("5L,").</summary>
    private static int[] ParseShape(string path, string tuple)
    {
        string[] fields = tuple.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new int[fields.Length];
        for (int k = 0; k < fields.Length; k++)
        {
            string field = fields[k].TrimEnd('L', 'l');
            if (!long.TryParse(field, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long dim))
                throw new InvalidDataException($"{path}: shape ({tuple.Trim()}) has '{fields[k]}', not a dimension.");
            if (dim > int.MaxValue)
                throw new InvalidDataException($"{path}: shape ({tuple.Trim()}) has a dimension of {Thousands(dim)}, beyond the {Thousands(int.MaxValue)} this reader takes.");
            shape[k] = (int)dim;
        }
        return shape;
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
