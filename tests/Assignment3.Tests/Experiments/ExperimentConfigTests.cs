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
        foreach (
            var (file, hidden) in new[]
            {
                ("three-layer.conf", new[] { 50, 50 }),
                ("nine-layer.conf", new[] { 50, 30, 20, 20, 10, 10, 10, 10 }),
            }
        )
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
        Assert.Equal(
            [
                "batch-norm-false_init-0.1",
                "batch-norm-false_init-0.001",
                "batch-norm-false_init-0.0001",
                "batch-norm-true_init-0.1",
                "batch-norm-true_init-0.001",
                "batch-norm-true_init-0.0001",
            ],
            variants.Select(v => v.Name)
        );
        Assert.Equal(Initialization.FixedSigma(1e-4), variants[2].Config.Init);
    }

    [Fact]
    public void Overrides_fix_a_parameter_and_the_resolved_config_reads_back_the_same()
    {
        var config = SweepConfig
            .Load(RepoPaths.Config("three-layer.conf"))
            .Experiment.With(Parameter.BatchNorm, true)
            .With(Parameter.Lambda, 0.01)
            .With(Parameter.Hidden, new[] { 40 });

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
    [InlineData(
        "network { hidden = [50, 50 \n batch-norm = true }",
        "bad.conf:2:20: malformed HOCON: '}' does not match '[' opened at 1:20"
    )]
    [InlineData("network { hidden = [50] }}", "bad.conf:1:26: malformed HOCON: '}' closes nothing")]
    [InlineData("name = \"open", "bad.conf:1:8: malformed HOCON: string is not terminated")]
    [InlineData(
        "network { hiden = [50] }",
        "bad.conf: network.hiden: unknown key; allowed in network: hidden, batch-norm"
    )]
    [InlineData("networks { hidden = [50] }", "bad.conf: networks: unknown key; allowed at the top level")]
    [InlineData("training { lambda = -0.1 }", "bad.conf: training.lambda: -0.1 is out of range")]
    [InlineData("training { lambda = lots }", "bad.conf: training.lambda: 'lots' is not a number")]
    [InlineData(
        "training { lambda = { min = 1 } }",
        "bad.conf: training.lambda.min: unknown key; a range is one of grid, log-grid, uniform, log-uniform"
    )]
    [InlineData("training { cycles = 0 }", "bad.conf: training.cycles: 0 is out of range; must be at least 1")]
    [InlineData("training { batch-size = 2.5 }", "bad.conf: training.batch-size: '2.5' is not a whole number")]
    [InlineData("network { hidden = [] }", "bad.conf: network.hidden: empty hidden list")]
    [InlineData("network { hidden = [50, -3] }", "bad.conf: network.hidden[1]: -3 is out of range")]
    [InlineData(
        "network { init = glorot }",
        "bad.conf: network.init: 'glorot' is not allowed; expected he, xavier, or a positive number"
    )]
    [InlineData(
        "network { batch-norm = maybe }",
        "bad.conf: network.batch-norm: 'maybe' is not allowed; expected true or false"
    )]
    [InlineData("training { eta-min = 0.1, eta-max = 0.01 }", "bad.conf: eta-min/eta-max: need 0 < eta-min <= eta-max")]
    [InlineData("data { split = batch9 }", "bad.conf: data.split: 'batch9' is not allowed")]
    [InlineData("data { validation-size = 0 }", "bad.conf: data.validation-size: '0' is not allowed")]
    [InlineData("training { lambda = [] }", "bad.conf: training.lambda: empty value; expected a number")]
    [InlineData("network { hidden = [50, 50] ", "bad.conf:1:9: malformed HOCON: '{' is never closed")]
    [InlineData("training { cycles = ${training.cycles} }", "bad.conf:1:21: substitutions (${...}) are not supported")]
    [InlineData("training { cycles = ${?CYCLES} }", "bad.conf:1:21: substitutions (${...}) are not supported")]
    [InlineData("include \"does-not-exist.conf\"", "bad.conf:1:1: include is not supported")]
    [InlineData(
        "network { batch-norm = true }\ninclude \"file:///etc/hostname\"",
        "bad.conf:2:1: include is not supported"
    )]
    [InlineData("", "bad.conf: the config is empty")]
    [InlineData("# only a comment\n// and another\n", "bad.conf: the config is empty")]
    [InlineData("name = [1, 2]", "bad.conf: name: expected a plain name such as lambda-coarse, got a list")]
    [InlineData(
        "network { hidden = [100000000] }",
        "bad.conf: hidden: [100000000] has 308,500,000,010 parameters, more than a network may have (10,000,000)"
    )]
    [InlineData(
        "training { cycles = 999999999 }",
        "bad.conf: cycles/step-size: 2 x 2250 x 999999999 = 4,499,999,995,500 update steps is more than a run may take (100,000,000)"
    )]
    [InlineData(
        "training { points-per-cycle = 100000 }",
        "bad.conf: points-per-cycle: 100000 x 2 cycles = 200,000 recording points"
    )]
    public void Bad_configs_are_refused_with_the_file_the_key_and_what_is_allowed(string text, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ExperimentConfig.Parse(text, "bad.conf"));
        Assert.StartsWith(expected, e.Message);
    }

    [Fact]
    public void Deep_nesting_is_refused_before_the_parser_recurses()
    {
        var text = new string('{', 100_000) + new string('}', 100_000);
        var e = Assert.Throws<ConfigException>(() => ExperimentConfig.Parse(text, "deep.conf"));
        Assert.Equal(
            $"deep.conf:1:{HoconText.MaxDepth + 1}: malformed HOCON: nested more than {HoconText.MaxDepth} levels deep",
            e.Message
        );
    }

    [Fact]
    public void Binary_garbage_is_refused_without_being_echoed()
    {
        var garbage = new string(Enumerable.Range(0, 4096).Select(i => (char)(i * 7919 % 256)).ToArray());
        var e = Assert.Throws<ConfigException>(() => ExperimentConfig.Parse(garbage, "garbage.conf"));
        Assert.StartsWith("garbage.conf:1:1: not a text config file", e.Message);
        Assert.True(e.Message.Length < 120, e.Message);
    }

    [Fact]
    public void A_value_quoted_in_a_message_is_cut_to_an_excerpt()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ExperimentConfig.Parse($"name = \"{new string('x', 5000)}/\"", "long.conf")
        );
        Assert.True(e.Message.Length < 200, e.Message);
        Assert.Contains("(5,001 characters)", e.Message);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var e = Assert.Throws<ConfigException>(() => SweepConfig.Load("/nonexistent/x.conf"));
        Assert.Equal("/nonexistent/x.conf: config file not found", e.Message);
    }
}
