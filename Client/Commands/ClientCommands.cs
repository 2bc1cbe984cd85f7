using System.CommandLine;

namespace Encore.Client.Commands;

/// <summary>Every verb of the client; each lives in its own file in this folder.</summary>
internal static class ClientCommands
{
    public static IEnumerable<Command> All() =>
    [
        KafkaDevCommand.Create(),
        GenerateCommand.Create(),
        ReplayCommand.Create(),
        EvaluateCommand.Create(),
        TrainCommand.Create(),
        RecommendCommand.Create(),
        UserCommand.Create(),
        TrackCommand.Create(),
        TrendingCommand.Create(),
        DbCommand.Create(),
    ];
}
