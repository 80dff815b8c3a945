// Turns the failures a user can cause (bad files, bad values) into one line on stderr and
// exit code 2, instead of a stack trace; anything else is a bug and keeps its trace.
namespace OtKernels.Cli.Commands;

internal static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException
                                       or DirectoryNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"otk: {e.Message}");
            return 2;
        }
    }
}
