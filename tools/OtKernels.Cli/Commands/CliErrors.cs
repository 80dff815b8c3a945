// Turns the failures a user can cause (bad files, bad values) into one line on stderr and
// exit code 2, and device API failures into their error name and exit code 1, instead of
// a stack trace; anything else is a bug and keeps its trace.
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
        catch (OtKernels.Accelerators.AcceleratorException e)
        {
            // A device or driver failure: the API's error name and, for a build, its log.
            Console.Error.WriteLine($"otk: {e.Message}");
            return 1;
        }
    }
}
