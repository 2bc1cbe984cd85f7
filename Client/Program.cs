using System.CommandLine;
using Encore.Client.Commands;

var root = new RootCommand("Encore command-line client: dev Kafka cluster, traffic generator and queries.");
foreach (var command in ClientCommands.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
