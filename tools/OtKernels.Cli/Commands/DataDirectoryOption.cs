// The --data-dir option of the commands that read MNIST: where MnistStore caches it.
using System.CommandLine;

namespace OtKernels.Cli.Commands;

internal static class DataDirectoryOption
{
    public static Option<string?> Create() =>
        new("--data-dir") { Description = "Data directory (default: $OTK_DATA, else ~/.cache/otkernels)." };
}
