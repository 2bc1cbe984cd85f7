using System.ComponentModel.DataAnnotations;

namespace Encore.Silo.Hosting;

/// <summary>Configuration section <c>Orleans</c> (the README, "Configuration").</summary>
public sealed class OrleansSettings
{
    public const string SectionName = "Orleans";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Orleans:ClusterId is empty; set Orleans__ClusterId or remove it for 'dev'.")]
    public string ClusterId { get; set; } = "dev";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Orleans:ServiceId is empty; set Orleans__ServiceId or remove it for 'encore'.")]
    public string ServiceId { get; set; } = "encore";

    [Range(1, 65535, ErrorMessage = "Orleans:SiloPort must be a TCP port (1-65535); set Orleans__SiloPort.")]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535, ErrorMessage = "Orleans:GatewayPort must be a TCP port (1-65535); set Orleans__GatewayPort.")]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Localhost clustering: the silo port of the first silo, which the others join. Empty means this
    /// silo is the first.
    /// </summary>
    [Range(1, 65535, ErrorMessage = "Orleans:PrimarySiloPort must be a TCP port (1-65535) or empty.")]
    public int? PrimarySiloPort { get; set; }

    /// <summary>
    /// Clustering through PostgreSQL: the IP address this silo publishes in the membership table for
    /// other silos and clients to reach it. Empty means 127.0.0.1 (several silos on one machine);
    /// containers set their own address (in Kubernetes the pod IP).
    /// </summary>
    [RegularExpression(@"^[0-9A-Fa-f:.]*$", ErrorMessage = "Orleans:AdvertisedIPAddress must be an IP address or empty; set Orleans__AdvertisedIPAddress.")]
    public string? AdvertisedIPAddress { get; set; }
}
