using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Core.Training;
using Assignment3.Experiments.Sweeps;
using Assignment3.Storage;
using Assignment3.Sweeps.Hosting;
using Assignment3.Sweeps.Protocol;

namespace Assignment3.Tests.Sweeps;

/// <summary>Every message that crosses the network round-trips through the configured serializer.</summary>
public class SerializationTests() : TestKit(SweepNode.Configuration("127.0.0.1", 0, [], []))
{
    private static readonly CurvePoint Point = new(450, 0.02, 2.7, 1.75, 0.4, 2.77, 1.79, 0.37);

    public static IEnumerable<object[]> NetworkMessages() =>
        [
            [new JoinSweep("10.0.0.1:4053")],
            [new SweepData(new DataOptions(SplitKind.Batch1, 500), "0123456789abcdef", GroupsAuto: false)],
            [new WorkerRefused("10.0.0.1:4053", "its data has fingerprint x, the sweep's has y")],
            [new RequestTrial("10.0.0.1:4053", "slot-2", "0123456789abcdef", Capacity: 6)],
            [
                new AssignGroup([
                    new AssignTrial(
                        7,
                        2,
                        new TrainingConfig
                        {
                            Hidden = [50, 30, 20],
                            BatchNorm = false,
                            Init = Initialization.FixedSigma(1e-4),
                            Lambda = 0.0072,
                            Seed = 123456,
                        },
                        true
                    ),
                ]),
            ],
            [
                new AssignGroup([
                    new AssignTrial(
                        7,
                        3,
                        new TrainingConfig { Cycles = 9, DataOrderSeed = 42 },
                        false,
                        4500,
                        13500,
                        [1, 2, 3, 255],
                        900,
                        5.0
                    ),
                    new AssignTrial(
                        9,
                        1,
                        new TrainingConfig
                        {
                            Cycles = 9,
                            DataOrderSeed = 42,
                            Hidden = [20],
                        },
                        false,
                        4500,
                        13500,
                        [4, 5],
                        900,
                        5.0
                    ),
                ]),
            ],
            [new CheckpointTaken(7, 3, 6300, [65, 51, 67, 75], [Point, Point with { Step = 6300 }], 12.5)],
            [new CheckpointTaken(7, 3, 6750, [65, 51], [Point with { Step = 6750 }], 13.1, Released: true)],
            [new CancelTrial(7, 2)],
            [new ReleaseTrial(7, 3)],
            [new TrialProgressed(7, 2, Point)],
            [
                new TrialFinished(
                    7,
                    2,
                    "node",
                    new TrialOutcome(
                        TrialStatus.Completed,
                        0.52,
                        0.51,
                        0.6,
                        1.2,
                        9000,
                        8.5,
                        null,
                        null,
                        [Point, Point with { Step = 900 }]
                    )
                ),
            ],
            [
                new TrialFinished(
                    8,
                    1,
                    "node",
                    new TrialOutcome(
                        TrialStatus.Diverged,
                        double.NaN,
                        double.NaN,
                        double.NaN,
                        double.PositiveInfinity,
                        12,
                        0.1,
                        12,
                        null,
                        []
                    )
                ),
            ],
            [new TrialFinished(9, 3, "node", TrialOutcome.Failure("IOException: disk full"))],
            [
                new TrialFinished(
                    7,
                    3,
                    "node",
                    new TrialOutcome(TrialStatus.Completed, 0.45, double.NaN, 0.5, 1.4, 4500, 4.1, null, null, [Point]),
                    [9, 8, 7]
                ),
            ],
            [new TrialDeclined(7, 2, "node", "slot-1 is training trial 6")],
            [new WorkerRejected("data fingerprint differs")],
        ];

    [Theory]
    [MemberData(nameof(NetworkMessages))]
    public void Network_messages_round_trip_through_hyperion(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<AllowListHyperionSerializer>(serializer);

        var copy = serializer.FromBinary(serializer.ToBinary(message), message.GetType());

        Assert.IsType(message.GetType(), copy);
        Assert.Equal(Json.Serialize(message), Json.Serialize(copy)); // deep: records holding arrays compare by reference
    }

    [Fact]
    public void Every_network_message_type_is_covered_above()
    {
        var covered = NetworkMessages().Select(m => m[0].GetType()).ToHashSet();
        var all = typeof(INetworkMessage)
            .Assembly.GetTypes()
            .Where(t => typeof(INetworkMessage).IsAssignableFrom(t) && !t.IsInterface);
        Assert.All(all, t => Assert.Contains(t, covered));
    }

    public sealed record NotAllowed(string Payload);

    [Fact]
    public void A_type_outside_the_allow_list_is_refused_on_deserialization()
    {
        // The bytes come from a peer without the allow-list, as they would from a foreign node.
        using var peer = ActorSystem.Create(
            "peer",
            Akka.Configuration.ConfigurationFactory.ParseString(
                "akka.actor.serializers.hyperion = \"Akka.Serialization.HyperionSerializer, Akka.Serialization.Hyperion\""
            )
        );
        var bytes = new HyperionSerializer((ExtendedActorSystem)peer).ToBinary(new NotAllowed("x"));
        Assert.IsType<AllowListHyperionSerializer>(Sys.Serialization.FindSerializerForType(typeof(RequestTrial)));
        var ours = (HyperionSerializer)Sys.Serialization.FindSerializerForType(typeof(RequestTrial));

        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            ours.FromBinary(bytes, typeof(object))
        );

        Assert.Contains(nameof(NotAllowed), e.ToString());
        // The same peer's allowed messages still pass.
        var allowed = new HyperionSerializer((ExtendedActorSystem)peer).ToBinary(new WorkerRejected("r"));
        Assert.Equal(new WorkerRejected("r"), ours.FromBinary(allowed, typeof(object)));
    }
}
