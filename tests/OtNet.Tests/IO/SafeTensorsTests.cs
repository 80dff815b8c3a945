using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using OtNet.IO;
using OtNet.Layers;
using Xunit;

namespace OtNet.Tests.IO;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("otnet-st").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential Model(int seed)
    {
        var rng = new Random(seed);
        return new Sequential([1, 6, 6], new Conv2D(1, 3, 3, Padding.Same, rng), new Relu(), new Flatten(), new Dense(108, 4, rng));
    }

    [Fact]
    public void SaveThenLoadInto_RestoresEveryBit_AndTheModelsAgree()
    {
        Sequential saved = Model(1), loaded = Model(2);
        saved.Layers[0].Parameters[0].Value[0] = -0f;
        saved.Layers[0].Parameters[0].Value[1] = float.Epsilon; // a subnormal
        string path = Path.Combine(_dir, "model.safetensors");
        SafeTensors.Save(path, SafeTensors.NamedParameters(saved), new Dictionary<string, string> { ["format"] = "otnet", ["epoch"] = "3" });
        Dictionary<string, string> metadata = SafeTensors.LoadInto(path, loaded);
        Assert.Equal("3", metadata["epoch"]);
        foreach (var ((name, _, a), (_, _, b)) in SafeTensors.NamedParameters(saved).Zip(SafeTensors.NamedParameters(loaded)))
            Assert.True(a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits)), name);
        var x = new Tensor(2, 1, 6, 6);
        for (int i = 0; i < x.Length; i++) x.Data[i] = i % 7 * 0.1f;
        Assert.Equal(saved.Forward(x).Data, loaded.Forward(x).Data);
    }

    [Fact]
    public void TheFileFollowsTheFormat_LengthPrefixedPaddedJsonThenData()
    {
        string path = Path.Combine(_dir, "layout.safetensors");
        SafeTensors.Save(path, [("0.weight", [2, 3], [1, 2, 3, 4, 5, 6]), ("0.bias", [2], [7, 8])]);
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        using JsonDocument header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n).TrimEnd(' '));
        JsonElement bias = header.RootElement.GetProperty("0.bias");
        Assert.Equal("F32", bias.GetProperty("dtype").GetString());
        Assert.Equal(new long[] { 24, 32 }, bias.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + (int)n + 28)));
        Assert.Equal(8 + (int)n + 32, bytes.Length);
    }

    [Fact]
    public void AMismatchedModel_IsRejected_NamingTheTensor()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        SafeTensors.Save(path, SafeTensors.NamedParameters(Model(1)));
        var rng = new Random(1);
        var other = new Sequential([1, 6, 6], new Conv2D(1, 2, 3, Padding.Same, rng), new Relu(), new Flatten(), new Dense(72, 4, rng));
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.LoadInto(path, other));
        Assert.Contains("'0.weight'", e.Message);
        File.WriteAllBytes(path, [1, 0, 0]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
    }
}
