using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// The certificate every node of a secure cluster holds. Nodes accept only peers presenting this very
/// certificate (pinned by thumbprint), in both directions (mutual TLS).
/// </summary>
public static class ClusterCertificate
{
    /// <summary>A new self-signed certificate for a cluster, as a password-protected PKCS#12 file.</summary>
    public static X509Certificate2 Create(string path, string password, int years = 5)
    {
        if (File.Exists(path))
            throw new ArgumentException($"--out: {path} already exists; nothing was overwritten");
        if (Directory.Exists(path))
            throw new ArgumentException(
                $"--out: {path} is a folder; give the certificate file's path, e.g. {Path.Combine(path, "cluster.pfx")}"
            );
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
            throw new ArgumentException($"--out: the folder {folder} does not exist; create it first");
        using var key = RSA.Create(3072);
        var request = new CertificateRequest("CN=a3-cluster", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(
                X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment,
                critical: true
            )
        );
        request.CertificateExtensions.Add(
            new X509EnhancedKeyUsageExtension(
                [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")],
                critical: false
            )
        ); // server and client authentication
        using var certificate = request.CreateSelfSigned(
            DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddYears(years)
        );
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));
        return Load(path, password);
    }

    public static X509Certificate2 Load(string path, string password)
    {
        if (!File.Exists(path))
            throw new ArgumentException($"--cert: {path} not found; create one with a3 cert --out {path}");
        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.Exportable);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException(
                $"--cert: {path} is not a PKCS#12 certificate this password opens ({e.Message.TrimEnd('.')})",
                e
            );
        }
    }
}
