using Assignment3.Experiments.Scheduling;
using Assignment3.Experiments.Sweeps;

namespace Assignment3.Experiments.Search;

/// <summary>
/// BOHB's brackets (Falkner et al., ICML 2018): a search stage under successive halving or Hyperband
/// runs each round as one bracket of the existing <see cref="SuccessiveHalvingPolicy"/>, its trials
/// the round's proposals. Under Hyperband round r takes bracket r mod (s_max + 1), starting at
/// min-budget x eta^i cycles (the most aggressive first, as Hyperband's outer loop); under successive
/// halving every round starts at min-budget. The list grows as rounds are proposed.
/// </summary>
public sealed class SearchBrackets(SearchPlan plan, int eta, int minBudget, int maxBudget, bool hyperband)
    : IReadOnlyList<Bracket>
{
    /// <summary>How many kinds of bracket the rounds cycle through: Hyperband's s_max + 1, or one.</summary>
    private readonly int kinds = hyperband ? HyperbandPolicy.LargestS(minBudget, eta, maxBudget) + 1 : 1;

    public Bracket this[int round] =>
        Bracket.Of(
            round,
            plan.RoundSize(round),
            HyperbandPolicy.FirstBudget(round % kinds, minBudget, eta, maxBudget),
            maxBudget,
            eta
        );

    public int Count => plan.Rounds;

    public IEnumerator<Bracket> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The policy: successive halving over the rounds' brackets, a trial's bracket its round.</summary>
    public static SuccessiveHalvingPolicy Policy(SearchPlan plan, int eta, int minBudget, bool hyperband) =>
        new(new SearchBrackets(plan, eta, minBudget, plan.Cycles, hyperband), plan.RoundOf);
}
