// The committed models (models/ in the repository) that commands load by default: they are
// copied beside otk when otk is built or installed as a tool, so the defaults work from any
// directory.
namespace OtKernels.Cli.Commands;

internal static class CommittedDwe
{
    /// <summary>models/dwe-mnist.safetensors, beside otk: the DWE of eval and the mining commands.</summary>
    public static string Model { get; } = Path.Combine(AppContext.BaseDirectory, "models", "dwe-mnist.safetensors");

    /// <summary>The held-out test pairs the committed model was evaluated on, beside otk too.</summary>
    public static string TestPairs { get; } = Path.Combine(AppContext.BaseDirectory, "models", "dwe-mnist-test-pairs.csv");
}

internal static class CommittedEmbedding
{
    /// <summary>models/embed-mnist.safetensors, beside otk: the entropic Wasserstein embedding of `otk embed eval`.</summary>
    public static string Model { get; } = Path.Combine(AppContext.BaseDirectory, "models", "embed-mnist.safetensors");
}
