using Assignment3.Sweeps.Hosting;

namespace Assignment3.Tests.Sweeps;

/// <summary>hocon/cluster.conf is built into a3: a node needs no loose file, and overrides layer over it.</summary>
public class SweepNodeConfigTests
{
    [Fact]
    public void The_built_in_reference_holds_every_setting_a_node_reads()
    {
        var settings = SweepSettings.Create(SweepNode.Reference);

        Assert.Equal(TimeSpan.FromSeconds(5), settings.ReportInterval);
        Assert.Equal(30, settings.MaxHandouts);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ReportRefresh);
        Assert.Equal(6, settings.PlottedTrials);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.SummaryInterval);
        Assert.Equal(TimeSpan.FromMinutes(30), settings.DownloadTimeout);
        Assert.Null(settings.GroupCapacity); // measured
        Assert.Equal(
            4,
            SweepSettings
                .Create(SweepNode.Configuration("127.0.0.1", 0, [], [], "a3.sweep.group-capacity = 4"))
                .GroupCapacity
        );
        Assert.Equal("PinnedDispatcher", SweepNode.Reference.GetString(SweepSettings.CoordinatorDispatcher + ".type"));
        Assert.Contains(
            "Assignment3.Sweeps.Protocol.TrialDeclined, Assignment3.Sweeps",
            SweepNode.Reference.GetStringList("akka.actor.serialization-settings.hyperion.allowed-types")
        );
    }

    [Fact]
    public void Command_line_settings_and_extra_hocon_layer_over_the_reference()
    {
        var config = SweepNode.Configuration("10.1.2.3", 4053, ["worker"], [], "a3.sweep.max-handouts = 7");

        Assert.Equal("10.1.2.3", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal(7, SweepSettings.Create(config).MaxHandouts);
        Assert.Equal(TimeSpan.FromSeconds(5), SweepSettings.Create(config).ReportInterval); // from the reference
    }

    [Theory]
    [InlineData("a3.sweep.outputs-max-share = 0", "a3.sweep.outputs-max-share")]
    [InlineData(
        "a3.sweep.group-capacity = 0",
        "a3.sweep.group-capacity must be auto or a whole number from 1 to 64, got '0'"
    )]
    [InlineData("a3.sweep.group-capacity = lots", "a3.sweep.group-capacity")]
    [InlineData("a3.sweep.group-run-cost = 1.5", "a3.sweep.group-run-cost must be above 0 and at most 1")]
    public void A_tunable_out_of_range_is_refused_by_its_key(string setting, string expected)
    {
        var config = SweepNode.Configuration("127.0.0.1", 0, [], [], setting);

        var e = Assert.Throws<Akka.Configuration.ConfigurationException>(() => SweepSettings.Create(config));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Values_with_quotes_and_brackets_stay_values()
    {
        var seed = "akka.tcp://a3@host\"]\n akka.loglevel = DEBUG #:4053";
        var config = SweepNode.Configuration("::1", 0, ["coordinator", "worker"], [seed]);

        Assert.Equal([seed], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("::1", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal(["coordinator", "worker"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("WARNING", config.GetString("akka.loglevel"));
        Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
    }
}
