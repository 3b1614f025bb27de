"""The judgements the prose states in words. Each function takes numbers that analysis computes
(margins in combined standard errors, sides of a comparison, fractions) and returns the phrase
or sentence a chapter prints, so that a verdict follows its numbers when they change. Phrases
with TeX math or no-break spaces are fmt.Math (Quarto shows them as Markdown)."""

from __future__ import annotations

from . import fmt

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _sigmas(n_sigma: float) -> str:
    """A threshold in standard errors as the prose writes it: 4.0 -> 'four'."""
    return _WORDS.get(n_sigma, fmt.num(n_sigma)) if float(n_sigma).is_integer() else fmt.num(n_sigma)


def peak_margin(peak) -> fmt.Math:
    """analysis.peak's result as 'mean ± error, z standard errors above the nearer of its
    neighbours on the grid' (z to one decimal), or 'at the edge of the grid' where it has no
    neighbour."""
    if peak.margin is None:
        return fmt.Math("at the edge of the grid")
    return fmt.Math(f"{fmt.pm(peak.mean, peak.error)}, {fmt.num(peak.margin, 1)} standard errors above the "
                    f"nearer of its neighbours on the grid")


def below_control(found, largest, n_sigma: float = 4.0) -> fmt.Math:
    """analysis.below_reference's result for KLs against the control, keys (penalty, alpha, T):
    the settings that lower the KL below the control by more than n_sigma combined standard
    errors, or, if none does, the largest margin (one decimal) and where it is."""
    sigmas = _sigmas(n_sigma)
    if found:
        where = ", ".join(f"{fmt.penalty(p, a)} at $T$ = {T:.3f}" for p, a, T in found)
        return fmt.Math(f"By {sigmas} combined standard errors, only {where} lower the KL below the control.")
    z, (p, a, T) = largest
    return fmt.Math(f"No setting lowers the KL below the control by {sigmas} combined standard errors; the largest "
                    f"margin is {fmt.num(z, 1)} ({fmt.penalty(p, a)}, $T$ = {T:.3f}).")


def tally(sides, reference: str = "coins") -> str:
    """analysis.against_value's sides (+1 better, -1 worse, 0 neither) in words: 'all better
    than coins', 'all worse than coins', or counts, '1 better than coins and 3
    indistinguishable from coins'."""
    sides = list(sides)
    better, worse = sum(s > 0 for s in sides), sum(s < 0 for s in sides)
    if better == len(sides):
        return f"all better than {reference}"
    if worse == len(sides):
        return f"all worse than {reference}"
    counts = ((better, f"better than {reference}"), (worse, f"worse than {reference}"),
              (len(sides) - better - worse, f"indistinguishable from {reference}"))
    return fmt.listing(f"{n} {what}" for n, what in counts if n)


def better_than(sides, unreliable=()) -> fmt.Math:
    """The settings that analysis.against_value finds better (+1), keys (penalty, alpha, ...):
    'better: L1 at $10^{-3}$', those in `unreliable` (whose AIS estimate is flagged) marked, joined
    by '; ' ('none better' if there are none)."""
    return fmt.Math("; ".join(f"better: {fmt.penalty(*key[:2])}"
                              + (", whose AIS estimate is unreliable" if key in unreliable else "")
                              for key, side in sides.items() if side > 0) or "none better")


def favoured_sign(log_likelihood_up, log_likelihood_down) -> str:
    """Which sign of the magnetisation each model (one per seed) gives the higher held-out
    log-likelihood, from its mean log-likelihoods of configurations with m > 0 and m < 0:
    'all seeds: m > 0' when every model agrees, else the signs in order ('m > 0, m < 0, ...';
    a tie counts as m < 0)."""
    signs = ["m > 0" if up > down else "m < 0" for up, down in zip(log_likelihood_up, log_likelihood_down)]
    return "all seeds: " + signs[0] if len(set(signs)) == 1 else ", ".join(signs)


def chains(stay_up: float, cross_up: float) -> str:
    """What Gibbs chains started from both signs of m do, from the fraction of chains started
    with m > 0 that end with m > 0 (stay_up) and of those started with m < 0 that end with m > 0
    (cross_up): one state (both above 0.9, or both below 0.1), both states kept (stay_up above
    0.9, cross_up below 0.1), or else chains that cross."""
    if stay_up > 0.9 and cross_up > 0.9:
        return "has one state: its chains end with m > 0 whatever their start"
    if stay_up < 0.1 and cross_up < 0.1:
        return "has one state: its chains end with m < 0 whatever their start"
    if stay_up > 0.9 and cross_up < 0.1:
        return "keeps both states: its chains stay in the state they start in"
    return "lets chains cross from one state to the other"


def against_best_null(sides, what: str, n_sigma: float = 4.0) -> str:
    """analysis.sides_of_best_null's sides, keys (network, layer), in words: how many of the
    layers score above `what` (their best null) by n_sigma combined standard errors, naming
    them, and how many below it: 'none of the 9 layers scores above <what> by four standard
    errors, and 8 score below it by as many'."""
    def label(key):
        return f"{key[0]}'s layer {key[1]}" if isinstance(key, tuple) else str(key)

    n, sigmas = len(sides), _sigmas(n_sigma)
    above = [key for key, side in sides.items() if side > 0]
    below = [key for key, side in sides.items() if side < 0]
    if above:
        verb = "scores" if len(above) == 1 else "score"
        first = (f"{len(above)} of the {n} layers ({fmt.listing(label(k) for k in above)}) {verb} above {what} "
                 f"by {sigmas} standard errors")
    else:
        first = f"none of the {n} layers scores above {what} by {sigmas} standard errors"
    if not below:
        second = "none scores below it by as many"
    elif len(below) == n:
        second = "all of them score below it by as many"
    else:
        second = f"{len(below)} score{'s' if len(below) == 1 else ''} below it by as many"
    return f"{first}, and {second}"
