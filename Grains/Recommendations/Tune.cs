namespace Encore.Recommendations;

// TEMPORARY tuning hook (to be removed before commit).
public static class Tune
{
    private static Dictionary<string, string> _values = [];
    private static DateTime _read;

    public static double Get(string name, double fallback)
    {
        if (DateTime.UtcNow - _read > TimeSpan.FromSeconds(1))
        {
            _read = DateTime.UtcNow;
            try
            {
                _values = File.ReadAllLines("/work/scratch/tune.env").Where(l => l.Contains('=')).ToDictionary(l => l.Split('=')[0].Trim(), l => l.Split('=')[1].Trim());
            }
            catch (IOException)
            {
                _values = [];
            }
        }

        return _values.TryGetValue(name, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
