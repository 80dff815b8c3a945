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
            string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
            Console.Error.WriteLine($"otk: {message}");
            return 2;
        }
    }
}
