using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Encore.Streams.Kafka;
using Encore.Streams.Kafka.Benchmarks;
using Encore.Streams.Kafka.DevCluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

// Events/s delivered to grains through the provider, next to what a bare Confluent.Kafka consumer reads
// from the same cluster in the same run. Usage: dotnet run -c Release --project bench/Streams.Kafka.Benchmarks [events] [partitions]
var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var partitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
const string Topic = "bench";

using var kafka = DevKafkaCluster.Start(brokers: 1);
kafka.CreateTopic(Topic, partitions);
kafka.CreateTopic(Topic + ".dlq", partitions);
Console.WriteLine($"dev Kafka cluster at {kafka.BootstrapServers}; producing {events:N0} events over {partitions} partitions");

var produce = Stopwatch.StartNew();
using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
{
    BootstrapServers = kafka.BootstrapServers, EnableIdempotence = true, LingerMs = 5, BatchNumMessages = 10_000,
}).Build())
{
    var value = new byte[120];
    for (var i = 0; i < events; i++)
    {
        while (true)
        {
            try
            {
                producer.Produce(new TopicPartition(Topic, i % partitions), new Message<byte[], byte[]> { Key = BitConverter.GetBytes(i), Value = value });
                break;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    producer.Flush();
}

Console.WriteLine($"produced in {produce.Elapsed.TotalSeconds:0.00} s");

// The mock cluster keeps only about the newest 5 MB per partition: count what is really there.
var available = 0L;
using (var admin = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "watermarks" }).Build())
{
    for (var p = 0; p < partitions; p++)
    {
        var w = admin.QueryWatermarkOffsets(new TopicPartition(Topic, p), TimeSpan.FromSeconds(10));
        available += w.High.Value - w.Low.Value;
    }
}

Console.WriteLine($"{available:N0} events retained by the dev cluster");

var bare = BareConsumer.Read(kafka.BootstrapServers, Topic, partitions, available);
Console.WriteLine($"bare Confluent.Kafka consumer: {available:N0} events in {bare.TotalSeconds:0.00} s = {available / bare.TotalSeconds:N0} events/s");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering();
    silo.AddKafkaStreams("kafka", c =>
    {
        c.ConfigureKafka(ob => ob.Configure(o =>
        {
            o.BootstrapServers = kafka.BootstrapServers;
            o.Topic = Topic;
            o.DeadLetterTopic = Topic + ".dlq";
            o.StreamNamespace = CountingGrain.Namespace;
            o.CheckpointMode = CheckpointMode.Delivered;
        }));
        c.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        c.UseDataAdapter<RawDataAdapter>();
        c.ConfigureCache(50_000);
        c.ConfigurePullingAgent(ob => ob.Configure(o =>
        {
            o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10);
            o.BatchContainerBatchSize = 1_000;
        }));
    });
});
builder.Services.AddSingleton<DeliveryCounter>();
using var host = builder.Build();
var counter = host.Services.GetRequiredService<DeliveryCounter>();
// Pulling agents start reading while the silo is still starting, so both spans are printed.
var withStartup = Stopwatch.StartNew();
await host.StartAsync();
var startup = withStartup.Elapsed;
var throughGrains = Stopwatch.StartNew();
while (counter.Count < available)
{
    await Task.Delay(50);
}

throughGrains.Stop();
withStartup.Stop();
Console.WriteLine($"Orleans provider → batch-observer grains: {available:N0} events in {withStartup.Elapsed.TotalSeconds:0.00} s including silo start-up ({startup.TotalSeconds:0.00} s) = {available / withStartup.Elapsed.TotalSeconds:N0} events/s");
Console.WriteLine($"ratio: {bare.TotalSeconds / withStartup.Elapsed.TotalSeconds:P0} of the bare consumer (one consumer for all partitions; the provider runs one per partition)");
await host.StopAsync();
