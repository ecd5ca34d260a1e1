using Akka.Configuration;
using Assignment3.Sweeps.Hosting;

namespace Assignment3.Tests.Support;

/// <summary>
/// The configuration of the TestKit-based actor tests: a local actor system with the sweep node's
/// settings. An expected message is awaited up to 30 s (the TestKit's default is 3 s, which process
/// tests loading both cores have outlasted); the wait ends as soon as it comes.
/// </summary>
public static class ActorTestConfig
{
    public static Config Local(string settings = "") =>
        ConfigurationFactory
            .ParseString($"akka.actor.provider = local\nakka.test.single-expect-default = 30s\n{settings}")
            .WithFallback(SweepNode.Configuration("127.0.0.1", 0, [], []));
}

/// <summary>What actor tests expect of hand-outs.</summary>
public static class HandOuts
{
    /// <summary>The one trial of the next hand-out (a slot offering to train one at a time gets groups of one).</summary>
    public static Assignment3.Sweeps.Protocol.AssignTrial ExpectTrial(this Akka.TestKit.TestKitBase probe) =>
        probe.ExpectMsg<Assignment3.Sweeps.Protocol.AssignGroup>().Trials.Single();
}
