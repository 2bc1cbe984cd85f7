namespace Encore.Hosting;

/// <summary>
/// References to string-keyed grains without Orleans working out the interface's grain type again on
/// every call: <c>GetGrain&lt;T&gt;(string)</c> reads the interface's attributes and formats its type
/// name each time, which was 6 % of a loaded silo's thread time (a partition batch makes one reference
/// per listener, track and artist it touches). The types are looked up once per interface and process.
/// </summary>
public static class StringKeyedGrains
{
    public static T Get<T>(this IGrainFactory grains, string key)
        where T : class, IGrainWithStringKey
    {
        // As GetGrain: Orleans refuses an empty key.
        ArgumentException.ThrowIfNullOrWhiteSpace(key);

        // A reference, not a struct: a thread that finds it set finds it whole.
        var types = Types<T>.Known ??= Types<T>.Resolve(grains);
        return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
    }

    private sealed record Resolved(GrainType Grain, GrainInterfaceType Interface);

    private static class Types<T>
        where T : class, IGrainWithStringKey
    {
        public static Resolved? Known;

        public static Resolved Resolve(IGrainFactory grains)
        {
            var reference = (GrainReference)(object)grains.GetGrain<T>("type");
            return new Resolved(reference.GrainId.Type, reference.InterfaceType);
        }
    }
}
