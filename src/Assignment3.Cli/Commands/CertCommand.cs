using System.ComponentModel;
using Assignment3.Cli.Terminal;
using Assignment3.Sweeps.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Assignment3.Cli.Commands;

public sealed class CertSettings : CommandSettings
{
    [
        CommandOption("-o|--out <PFX>"),
        Description("Where to write the certificate (PKCS#12); an existing file is never overwritten.")
    ]
    public string Out { get; init; } = "";

    [
        CommandOption("--password <PASSWORD>"),
        Description("Password protecting the file (else the environment variable A3_CERT_PASSWORD).")
    ]
    public string? Password { get; init; }

    [
        CommandOption("--years <N>"),
        TypeConverter(typeof(WholeNumberConverter)),
        Description("Validity."),
        DefaultValue(5)
    ]
    public int Years { get; init; } = 5;

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out PFX is required")
        : Years < 1 ? ValidationResult.Error($"--years must be at least 1, got {Years}")
        : ValidationResult.Success();
}

/// <summary>Creates the certificate every node of a secure cluster holds.</summary>
public sealed class CertCommand : Command<CertSettings>
{
    public override int Execute(CommandContext context, CertSettings settings, CancellationToken cancellation)
    {
        var password = settings.Password ?? Environment.GetEnvironmentVariable("A3_CERT_PASSWORD") ?? "";
        using var certificate = ClusterCertificate.Create(settings.Out, password, settings.Years);
        var console = Consoles.ForHumans(false);
        console.MarkupLineInterpolated(
            $"Wrote [blue]{settings.Out}[/] (thumbprint {certificate.Thumbprint}, valid until {certificate.NotAfter:yyyy-MM-dd})."
        );
        console.MarkupLine(
            "Copy it to every node and start them with [blue]--cert[/] (and the password): nodes without it cannot join."
        );
        return 0;
    }
}
