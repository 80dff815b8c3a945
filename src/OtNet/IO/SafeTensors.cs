// Model weights in the safetensors format (Hugging Face), so that PyTorch users read them with
// safetensors.torch.load_file: an 8-byte little-endian header length N, N bytes of JSON
//     {"0.weight": {"dtype": "F32", "shape": [20, 1, 3, 3], "data_offsets": [0, 720]}, ...,
//      "__metadata__": {"format": "otnet", ...}}
// then the raw little-endian data, each tensor at its offsets. Names follow torch's
// nn.Sequential ("<layer index>.<parameter>"). Written atomically (temp file + rename).
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using OtKernels.IO;

namespace OtNet.IO;

/// <summary>Models as safetensors files: float32 tensors under PyTorch's nn.Sequential names and layouts, written atomically.</summary>
public static class SafeTensors
{
    /// <summary>Writes named float32 tensors and string metadata to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        var names = new HashSet<string>();
        foreach (var (name, shape, data) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__" || !names.Add(name))
                throw new ArgumentException($"Tensor name '{name}' is empty, reserved or repeated.", nameof(tensors));
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (count != data.Length) throw new ArgumentException($"Tensor '{name}' has {data.Length} values for shape [{string.Join(", ", shape)}].", nameof(tensors));
            header[name] = new Dictionary<string, object> { ["dtype"] = "F32", ["shape"] = shape, ["data_offsets"] = new[] { offset, offset + 4L * count } };
            offset += 4L * count;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        // The format pads the header with spaces to a multiple of 8, so the data is aligned.
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            Span<byte> single = stackalloc byte[4];
            foreach (var (_, _, data) in tensors)
            {
                if (BitConverter.IsLittleEndian) stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
                else foreach (float v in data) { BinaryPrimitives.WriteSingleLittleEndian(single, v); stream.Write(single); }
            }
        });
    }

    /// <summary>Reads every F32 tensor and the metadata of a safetensors file.</summary>
    /// <exception cref="InvalidDataException">A malformed file, naming what is wrong.</exception>
    public static (Dictionary<string, (int[] Shape, float[] Data)> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: {bytes.Length} bytes is too short for a safetensors file.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidDataException($"{path}: the header length {headerLength} runs past the end of the file.");
        long dataStart = 8 + (long)headerLength;
        using JsonDocument document = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
        var tensors = new Dictionary<string, (int[], float[])>();
        var metadata = new Dictionary<string, string>();
        foreach (JsonProperty entry in document.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__")
            {
                foreach (JsonProperty m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                continue;
            }
            string dtype = entry.Value.GetProperty("dtype").GetString() ?? "";
            if (dtype != "F32") throw new InvalidDataException($"{path}: tensor '{entry.Name}' is {dtype}; only F32 is read.");
            int[] shape = entry.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            long[] offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long count = shape.Aggregate(1L, (a, d) => a * d);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != 4 * count || offsets[0] < 0 || dataStart + offsets[1] > bytes.Length)
                throw new InvalidDataException($"{path}: tensor '{entry.Name}' has offsets [{string.Join(", ", offsets)}] that do not fit its shape or the file.");
            var data = new float[count];
            ReadOnlySpan<byte> raw = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(4 * count));
            for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
            tensors[entry.Name] = (shape, data);
        }
        return (tensors, metadata);
    }

    /// <summary>A model's parameters under torch's nn.Sequential names ("3.weight").</summary>
    public static List<(string Name, int[] Shape, float[] Data)> NamedParameters(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var list = new List<(string, int[], float[])>();
        for (int i = 0; i < model.Layers.Count; i++)
            foreach (Parameter p in model.Layers[i].Parameters) list.Add(($"{i}.{p.Name}", p.Shape, p.Value));
        return list;
    }

    /// <summary>Copies the file's tensors into the model's parameters; every parameter must be
    /// present with its shape, and the file must hold nothing else.</summary>
    public static Dictionary<string, string> LoadInto(string path, Sequential model)
    {
        var (tensors, metadata) = Load(path);
        var expected = NamedParameters(model);
        foreach (var (name, shape, data) in expected) CopyTensor(path, tensors, name, shape, data);
        if (tensors.Count != expected.Count)
            throw new InvalidDataException($"{path}: holds {string.Join(", ", tensors.Keys.Except(expected.Select(e => e.Name)))}, which the model does not have.");
        return metadata;
    }

    /// <summary>Copies tensor <paramref name="name"/> of a loaded file into <paramref name="target"/>,
    /// which must have <paramref name="shape"/>; a missing or misshapen tensor is named.</summary>
    public static void CopyTensor(string path, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, string name, int[] shape, float[] target)
    {
        if (!tensors.TryGetValue(name, out var stored)) throw new InvalidDataException($"{path}: no tensor '{name}' for the model.");
        if (!stored.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{path}: tensor '{name}' has shape [{string.Join(", ", stored.Shape)}], the model needs [{string.Join(", ", shape)}].");
        stored.Data.CopyTo(target, 0);
    }
}
