using Spectre.Console;

namespace Encore.Client.Tests.Commands;

/// <summary>A console as a pipe or a CI log sees it: no colours, no progress bar, everything in a string.</summary>
internal static class TestConsoles
{
    public static (IAnsiConsole Console, StringWriter Output) Create()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        return (console, output);
    }
}
