// otk dwe: Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018) on MNIST, end to end:
// the pairs and their exact W2^2, the training of the Siamese encoder and its decoder, the
// evaluation of the embedding against held-out distances, the throughput table of the
// paper's Fig. 2, and the Wasserstein data mining the embedding makes cheap.
using System.CommandLine;

namespace OtKernels.Cli.Commands;

internal static class DweCommand
{
    /// <summary>The committed model (models/dwe-mnist.safetensors in the repository) that
    /// eval, bench and the mining commands load by default: it is copied beside otk when otk
    /// is built or installed as a tool, so the default works from any directory.</summary>
    public static string CommittedModel { get; } = Path.Combine(AppContext.BaseDirectory, "models", "dwe-mnist.safetensors");

    /// <summary>The held-out test pairs the committed model was evaluated on, beside otk too.</summary>
    public static string CommittedTestPairs { get; } = Path.Combine(AppContext.BaseDirectory, "models", "dwe-mnist-test-pairs.csv");

    public static Command Create()
    {
        var command = new Command("dwe", "Deep Wasserstein Embedding (Courty et al. 2018) on MNIST.")
        {
            DwePairsCommand.Create(),
            DweTrainCommand.Create(),
            DweEvalCommand.Create(),
            DweBenchCommand.Create(),
        };
        foreach (Command mining in DweMiningCommands.Create()) command.Subcommands.Add(mining);
        return command;
    }
}
