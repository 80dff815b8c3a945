// otk dwe: Deep Wasserstein Embedding (Courty, Flamary, Ducoffe 2018) on MNIST, end to end:
// the pairs and their exact W2^2, the training of the Siamese encoder and its decoder, the
// evaluation of the embedding against held-out distances, the throughput table of the
// paper's Fig. 2, and the Wasserstein data mining the embedding makes cheap.
using System.CommandLine;

namespace OtKernels.Cli.Commands;

internal static class DweCommand
{
    public static Command Create()
    {
        var command = new Command("dwe", "Deep Wasserstein Embedding (Courty et al. 2018) on MNIST.")
        {
            DwePairsCommand.Create(),
            DweTrainCommand.Create(),
            DweEvalCommand.Create(),
        };
        foreach (Command mining in DweMiningCommands.Create()) command.Subcommands.Add(mining);
        return command;
    }
}
