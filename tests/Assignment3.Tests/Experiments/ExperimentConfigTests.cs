using Assignment3.Core.Data;
using Assignment3.Core.Network;
using Assignment3.Experiments.Configuration;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Tests.Experiments;

public class ExperimentConfigTests
{
    [Fact]
    public void The_shipped_three_and_nine_layer_configs_hold_the_reports_recipe_without_and_with_batch_norm()
    {
        foreach (var (file, hidden) in new[] { ("three-layer.conf", new[] { 50, 50 }), ("nine-layer.conf", new[] { 50, 30, 20, 20, 10, 10, 10, 10 }) })
        {
            var config = SweepConfig.Load(RepoPaths.Config(file)).Experiment;
            var variants = config.Expand();

            Assert.Equal(new DataOptions(SplitKind.All, 5000), config.Data);
            Assert.Equal([false, true], variants.Select(v => v.Config.BatchNorm));
            Assert.All(variants, v =>
            {
                Assert.Equal(hidden, v.Config.Hidden);
                Assert.Equal(100, v.Config.BatchSize);
                Assert.Equal(1e-5, v.Config.EtaMin);
                Assert.Equal(1e-1, v.Config.EtaMax);
                Assert.Equal(2250, v.Config.StepSize);
                Assert.Equal(2, v.Config.Cycles);
                Assert.Equal(0.005, v.Config.Lambda);
                Assert.Equal(Initialization.He, v.Config.Init);
            });
        }
    }

    [Fact]
    public void Init_sensitivity_expands_to_three_sigmas_without_and_with_batch_norm()
    {
        var variants = SweepConfig.Load(RepoPaths.Config("init-sensitivity.conf")).Experiment.Expand();

        Assert.Equal(6, variants.Count);
        Assert.Equal(["batch-norm-false_init-0.1", "batch-norm-false_init-0.001", "batch-norm-false_init-0.0001",
            "batch-norm-true_init-0.1", "batch-norm-true_init-0.001", "batch-norm-true_init-0.0001"], variants.Select(v => v.Name));
        Assert.Equal(Initialization.FixedSigma(1e-4), variants[2].Config.Init);
    }

    [Fact]
    public void Overrides_fix_a_parameter_and_the_resolved_config_reads_back_the_same()
    {
        var config = SweepConfig.Load(RepoPaths.Config("three-layer.conf")).Experiment
            .With("network.batch-norm", true).With("training.lambda", 0.01).With("network.hidden", new[] { 40 });

        var variant = Assert.Single(config.Expand());
        Assert.Equal("three-layer", variant.Name);
        Assert.True(variant.Config.BatchNorm);
        Assert.Equal(0.01, variant.Config.Lambda);
        Assert.Equal([40], variant.Config.Hidden);

        var reread = ExperimentConfig.Parse(config.ToHocon(), "resolved.conf");
        Assert.Equal(variant.Config with { Hidden = [] }, Assert.Single(reread.Expand()).Config with { Hidden = [] });
        Assert.Equal([40], reread.Expand()[0].Config.Hidden);
    }

    [Theory]
    [InlineData("network { hidden = [50, 50 \n batch-norm = true }", "bad.conf:2:20: malformed HOCON: '}' does not match '[' opened at 1:20")]
    [InlineData("network { hidden = [50] }}", "bad.conf:1:26: malformed HOCON: '}' closes nothing")]
    [InlineData("name = \"open", "bad.conf:1:8: malformed HOCON: string is not terminated")]
    [InlineData("network { hiden = [50] }", "bad.conf: network.hiden: unknown key; allowed in network: hidden, batch-norm")]
    [InlineData("networks { hidden = [50] }", "bad.conf: networks: unknown key; allowed at the top level")]
    [InlineData("training { lambda = -0.1 }", "bad.conf: training.lambda: -0.1 is out of range")]
    [InlineData("training { lambda = lots }", "bad.conf: training.lambda: 'lots' is not a number")]
    [InlineData("training { lambda = { min = 1 } }", "bad.conf: training.lambda.min: unknown key; a range is one of grid, log-grid, uniform, log-uniform")]
    [InlineData("training { cycles = 0 }", "bad.conf: training.cycles: 0 is out of range; must be at least 1")]
    [InlineData("training { batch-size = 2.5 }", "bad.conf: training.batch-size: '2.5' is not a whole number")]
    [InlineData("network { hidden = [] }", "bad.conf: network.hidden: empty hidden list")]
    [InlineData("network { hidden = [50, -3] }", "bad.conf: network.hidden[1]: -3 is out of range")]
    [InlineData("network { init = glorot }", "bad.conf: network.init: 'glorot' is not allowed; expected he, xavier, or a positive number")]
    [InlineData("network { batch-norm = maybe }", "bad.conf: network.batch-norm: 'maybe' is not allowed; expected true or false")]
    [InlineData("training { eta-min = 0.1, eta-max = 0.01 }", "bad.conf: eta-min/eta-max: need 0 < eta-min <= eta-max")]
    [InlineData("data { split = batch9 }", "bad.conf: data.split: 'batch9' is not allowed")]
    [InlineData("data { validation-size = 0 }", "bad.conf: data.validation-size: '0' is not allowed")]
    [InlineData("training { lambda = [] }", "bad.conf: training.lambda: empty value; expected a number")]
    [InlineData("network { hidden = [50, 50] ", "bad.conf:1:9: malformed HOCON: '{' is never closed")]
    public void Bad_configs_are_refused_with_the_file_the_key_and_what_is_allowed(string text, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ExperimentConfig.Parse(text, "bad.conf"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var e = Assert.Throws<ConfigException>(() => SweepConfig.Load("/nonexistent/x.conf"));
        Assert.Equal("/nonexistent/x.conf: config file not found", e.Message);
    }
}
