using Assignment3.Experiments.Text;

namespace Assignment3.Tests.Experiments;

public sealed class ReadableTests
{
    [Theory]
    [InlineData(3.727593720314938E-05, "3.73e-05")]
    [InlineData(1e-4, "1.00e-04")]
    [InlineData(0.0099996, "0.0100")] // rounding up crosses into the fixed range
    [InlineData(0.017782794100389226, "0.0178")]
    [InlineData(0.55704, "0.557")]
    [InlineData(0.1, "0.100")]
    [InlineData(-2.5, "-2.50")]
    [InlineData(2250, "2250")]
    [InlineData(12345.6, "12300")]
    [InlineData(123456, "1.23e+05")]
    [InlineData(0, "0")]
    [InlineData(double.NaN, "NaN")]
    public void Numbers_shown_to_people_have_three_significant_digits(double value, string expected) =>
        Assert.Equal(expected, Readable.Number(value));

    [Theory]
    [InlineData("3.727593720314938E-05", "3.73e-05")]
    [InlineData("0.005", "5.00e-03")]
    [InlineData("50", "50")] // whole numbers (widths, step sizes) as they are
    [InlineData("[50, 50]", "[50, 50]")]
    [InlineData("true", "true")]
    public void Parameter_values_are_shortened_only_when_fractional(string value, string expected) =>
        Assert.Equal(expected, Readable.Value(value));
}
