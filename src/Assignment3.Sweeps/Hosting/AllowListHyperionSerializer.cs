using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Hyperion;

namespace Assignment3.Sweeps.Hosting;

/// <summary>
/// Akka's Hyperion serializer with the allow-list of hocon/cluster.conf (allowed-types) enforced.
/// Hyperion 0.12.2 checks that list with a type's full assembly-qualified name when serializing but
/// with its short name when deserializing, so the plain list refuses even allowed types on the way
/// out; this filter accepts a listed type under either name and nothing else.
/// </summary>
public sealed partial class AllowListHyperionSerializer(ExtendedActorSystem system, Config config)
    : HyperionSerializer(system, WithNameTolerantFilter(HyperionSerializerSettings.Create(config)))
{
    private static HyperionSerializerSettings WithNameTolerantFilter(HyperionSerializerSettings s)
    {
        if (s.TypeFilter is not TypeFilter listed)
            throw new ConfigurationException(
                "akka.actor.serialization-settings.hyperion.allowed-types must list the types the sweep protocol may deserialize"
            );
        return new HyperionSerializerSettings(
            s.PreserveObjectReferences,
            s.VersionTolerance,
            s.KnownTypesProvider,
            s.PackageNameOverrides,
            s.Surrogates,
            disallowUnsafeType: true,
            new NameTolerantFilter(listed)
        );
    }

    private sealed partial class NameTolerantFilter(TypeFilter listed) : ITypeFilter
    {
        public bool IsAllowed(string typeName) =>
            listed.IsAllowed(typeName) || listed.IsAllowed(AssemblyDetails().Replace(typeName, ""));

        [GeneratedRegex(@", (Version|Culture|PublicKeyToken)=[^,\]]+")]
        private static partial Regex AssemblyDetails();
    }
}
