// A training checkpoint: the model's parameters, Adam's moments and step count, and string
// metadata (the epoch reached, the history so far, the configuration it belongs to), in one
// safetensors file written atomically, so that an interrupted run resumes from its last
// completed epoch with exactly the state it had.
using System.Globalization;
using OtNet.IO;
using OtNet.Optimizers;

namespace OtNet.Training;

/// <summary>Training checkpoints: the weights, Adam's moments and metadata, written atomically, so that a run resumes exactly.</summary>
public static class Checkpoint
{
    private const string StepsKey = "optimizer.steps";

    /// <summary>Writes model, optimizer and metadata to path.</summary>
    public static void Save(string path, Sequential model, Adam optimizer, IReadOnlyDictionary<string, string> metadata) =>
        Save(path, SafeTensors.NamedParameters(model), optimizer, metadata);

    /// <summary>Save for any named parameters (several models under prefixes).</summary>
    public static void Save(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> named, Adam optimizer, IReadOnlyDictionary<string, string> metadata)
    {
        var tensors = named.ToList();
        var parameters = optimizer.Parameters;
        for (int k = 0; k < parameters.Count; k++)
        {
            var (first, second) = optimizer.Moments(k);
            tensors.Add(($"optimizer.m.{k}", parameters[k].Shape, first));
            tensors.Add(($"optimizer.v.{k}", parameters[k].Shape, second));
        }
        var all = new Dictionary<string, string>(metadata) { [StepsKey] = optimizer.Steps.ToString(CultureInfo.InvariantCulture) };
        SafeTensors.Save(path, tensors, all);
    }

    /// <summary>Restores model and optimizer from <paramref name="path"/>; returns the metadata.</summary>
    public static Dictionary<string, string> Restore(string path, Sequential model, Adam optimizer) =>
        Restore(path, SafeTensors.NamedParameters(model), optimizer);

    /// <summary>Restore into any named parameters.</summary>
    public static Dictionary<string, string> Restore(string path, IReadOnlyList<(string Name, int[] Shape, float[] Data)> named, Adam optimizer)
    {
        var (tensors, metadata) = SafeTensors.Load(path);
        foreach (var (name, shape, data) in named)
            SafeTensors.CopyTensor(path, tensors, name, shape, data);
        var parameters = optimizer.Parameters;
        for (int k = 0; k < parameters.Count; k++)
        {
            var (first, second) = optimizer.Moments(k);
            SafeTensors.CopyTensor(path, tensors, $"optimizer.m.{k}", parameters[k].Shape, first);
            SafeTensors.CopyTensor(path, tensors, $"optimizer.v.{k}", parameters[k].Shape, second);
        }
        if (!metadata.TryGetValue(StepsKey, out string? steps)) throw new InvalidDataException($"{path}: no {StepsKey} in the metadata.");
        optimizer.Steps = long.Parse(steps, CultureInfo.InvariantCulture);
        return metadata;
    }
}
