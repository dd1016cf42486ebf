"""The scorecard: weighted criteria, some computed from the frozen plan version and the programme record,
some judged by the officer (0 to 4, with a comment); each criterion's normalised value (0..1) times its weight
is its contribution, and the contributions add up to the total (0..100), so the score explains itself.

The scorecard is versioned (scorecard_versions): a new version is a new row and a score keeps the version it
was made with. Scoring is compare-and-set: the form says which score it was made from and the new score takes
the next number of the application, unique, so of two officers scoring at once one is stored and the other
is told, their ratings kept on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance.money import to_decimal
from workbench.lending.application_models import CreditApplication
from workbench.lending.scorecard_models import ApplicationScore, ScorecardVersion
from workbench.plans.catalogue import business_type_of
from workbench.plans.models import Decision
from workbench.plans.results import stored_results
from workbench.programme.models import Enrolment

RECOMMEND, DISCUSS, DO_NOT_RECOMMEND = "recommend", "discuss", "do_not_recommend"
BANDS = (RECOMMEND, DISCUSS, DO_NOT_RECOMMEND)
BAND_LABELS = {
    RECOMMEND: _l("Recommend"),
    DISCUSS: _l("Discuss"),
    DO_NOT_RECOMMEND: _l("Do not recommend"),
}
#: A judged criterion is rated from 0 to MAX_RATING.
MAX_RATING = 4
MAX_COMMENT_CHARACTERS = 1_000


@dataclass(frozen=True)
class Criterion:
    key: str
    label: Any
    judged: bool
    help: Any = ""


CRITERIA: dict[str, Criterion] = {
    c.key: c
    for c in (
        Criterion(
            "dscr", _l("Debt-service cover (DSCR)"), False, _l("1.0 or less scores 0, 1.5 or more full.")
        ),
        Criterion(
            "min_cash",
            _l("Lowest cash and funding gap"),
            False,
            _l("Full when cash never goes below zero; less the deeper it goes against the amount asked."),
        ),
        Criterion(
            "own_contribution",
            _l("Own contribution"),
            False,
            _l("Own money as a share of what starting costs: one fifth or more scores full."),
        ),
        Criterion("training", _l("Training completed"), False),
        Criterion(
            "completeness", _l("Plan completeness"), False, _l("Share of the plan's questions answered.")
        ),
        Criterion("endorsement", _l("Mentor's endorsement"), False),
        Criterion("tutoring", _l("Tutoring sessions so far"), False, _l("Three or more score full.")),
        Criterion("motivation", _l("Motivation"), True),
        Criterion("experience", _l("Relevant experience"), True),
        Criterion("market", _l("Knowledge of the market"), True),
    )
}
JUDGED = tuple(key for key, c in CRITERIA.items() if c.judged)
DEFAULT_WEIGHTS = {
    "dscr": 20,
    "min_cash": 10,
    "own_contribution": 10,
    "training": 10,
    "completeness": 5,
    "endorsement": 10,
    "tutoring": 5,
    "motivation": 10,
    "experience": 10,
    "market": 10,
}
DEFAULT_RECOMMEND_FROM, DEFAULT_DISCUSS_FROM = 70, 50

_CENT = Decimal("0.01")
_ONE, _ZERO = Decimal(1), Decimal(0)


def _clamp(value: Decimal) -> Decimal:
    return max(_ZERO, min(_ONE, value))


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


# --- versions ----------------------------------------------------------------------------------------------


def check_weights(weights: Mapping[str, int], recommend_from: int, discuss_from: int) -> None:
    """Known criteria weighing 0..100 each and 100 together; bands 0 < discuss < recommend <= 100."""
    if set(weights) - set(CRITERIA) or any(
        not isinstance(w, int) or not 0 <= w <= 100 for w in weights.values()
    ):
        raise DomainError({"weights": _("Give each criterion a whole weight from 0 to 100.")})
    if sum(weights.values()) != 100:
        raise DomainError(
            {
                "weights": _(
                    "The weights add up to %(sum)d: they must add up to 100.", sum=sum(weights.values())
                )
            }
        )
    if not 0 < discuss_from < recommend_from <= 100:
        raise DomainError({"bands": _("The band to discuss must start below the band to recommend.")})


def create_scorecard_version(
    weights: Mapping[str, int],
    recommend_from: int,
    discuss_from: int,
    actor: User | None,
    *,
    number: int | None = None,
) -> ScorecardVersion:
    """A new version of the scorecard (`number`, or the next one); the earlier scores keep theirs. The
    number is unique: of two versions given the same number, one is stored and the other refused."""
    check_weights(weights, recommend_from, discuss_from)
    if number is None:
        number = (db.session.scalar(select(func.max(ScorecardVersion.number))) or 0) + 1
    version = ScorecardVersion(
        number=number,
        criteria=[{"key": key, "weight": int(weights.get(key, 0))} for key in CRITERIA],
        recommend_from=recommend_from,
        discuss_from=discuss_from,
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError as error:
        raise DomainError({"": _("Someone saved another version of the scorecard meanwhile.")}) from error
    record(
        "scorecard.version_created", version, actor, after={"number": number, "criteria": version.criteria}
    )
    return version


def publish_scorecard(
    weights: Mapping[str, int],
    recommend_from: int,
    discuss_from: int,
    *,
    based_on: int,
    actor: User,
) -> ScorecardVersion:
    """A manager publishes a new version made from version `based_on` (the one their page showed): refused
    when another version was published meanwhile (their figures stay on the page), or when nothing changed.
    Scores already made keep their version; the next scores use the new one."""
    current = current_scorecard()
    if current.number != based_on:
        raise DomainError(
            {
                "": _(
                    "Another manager published version %(n)d of the scorecard since you opened it. Here it "
                    "is as it is now.",
                    n=current.number,
                )
            }
        )
    check_weights(weights, recommend_from, discuss_from)
    same = {row["key"]: row["weight"] for row in current.criteria} == {
        key: int(weights.get(key, 0)) for key in CRITERIA
    }
    if same and (current.recommend_from, current.discuss_from) == (recommend_from, discuss_from):
        raise DomainError({"": _("Nothing changed: version %(n)d already says this.", n=current.number)})
    # Compare-and-set: the version after the one the page showed. Had another manager published it between
    # the check above and this insert, its unique number refuses this one.
    return create_scorecard_version(weights, recommend_from, discuss_from, actor, number=based_on + 1)


def scorecard_versions() -> list[ScorecardVersion]:
    """Every version, the latest first."""
    return list(db.session.scalars(select(ScorecardVersion).order_by(ScorecardVersion.number.desc())))


def current_scorecard() -> ScorecardVersion:
    """The latest version of the scorecard; version 1 with the default weights when there is none yet."""
    latest = db.session.scalar(select(ScorecardVersion).order_by(ScorecardVersion.number.desc()).limit(1))
    if latest is not None:
        return latest
    try:
        return create_scorecard_version(DEFAULT_WEIGHTS, DEFAULT_RECOMMEND_FROM, DEFAULT_DISCUSS_FROM, None)
    except DomainError:
        found = db.session.scalar(select(ScorecardVersion).order_by(ScorecardVersion.number.desc()).limit(1))
        assert found is not None
        return found


def band_of(total: Decimal, version: ScorecardVersion) -> str:
    if total >= version.recommend_from:
        return RECOMMEND
    if total >= version.discuss_from:
        return DISCUSS
    return DO_NOT_RECOMMEND


# --- measuring ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A computed criterion: what it measured, as shown, and its normalised value (0..1)."""

    shown: str
    normalised: Decimal


def _money(document: Mapping[str, Any], key: str) -> Decimal:
    try:
        return to_decimal(document.get(key) or 0)
    except (ValueError, ArithmeticError, TypeError):
        return _ZERO


def computed_measures(application: CreditApplication) -> dict[str, Measure]:
    """The computed criteria, from the frozen version and the programme record (a few queries)."""
    from workbench.mentoring.sessions import sessions_of  # read-only; mentoring reads lending's models

    version = application.plan_version
    results = stored_results(version.results)
    measures: dict[str, Measure] = {}
    dscr = results.metrics.dscr if results is not None else None
    measures["dscr"] = Measure(
        "—" if dscr is None else f"{dscr:.2f}",
        _ZERO if dscr is None else _clamp((dscr - _ONE) / Decimal("0.5")),
    )
    if results is None:
        measures["min_cash"] = Measure("—", _ZERO)
    else:
        low = results.metrics.min_cash
        normalised = _ONE if low >= 0 else _clamp(_ONE + low / max(application.amount, _ONE))
        measures["min_cash"] = Measure(f"{_round(low)} / {_round(results.metrics.funding_gap)}", normalised)
    document = version.assumptions if isinstance(version.assumptions, Mapping) else {}
    own = _money(document, "own_funds")
    costs = document.get("startup_costs")
    need = (
        sum((_money(row, "amount") for row in costs if isinstance(row, Mapping)), _ZERO)
        if isinstance(costs, list)
        else _ZERO
    )
    share = own / need if need > 0 else (_ONE if own > 0 else _ZERO)
    measures["own_contribution"] = Measure(f"{_round(share * 100)} %", _clamp(share / Decimal("0.2")))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == application.applicant_id))
    trained = enrolment is not None and enrolment.training_completed_at is not None
    measures["training"] = Measure(_("yes") if trained else _("no"), _ONE if trained else _ZERO)
    try:
        questions = [q.key for s in business_type_of(version).sections for q in s.questions]
    except LookupError:  # a template gone from the catalogue: the plan counts as complete
        questions = []
    answers = version.answers if isinstance(version.answers, Mapping) else {}
    answered = sum(
        1
        for key in questions
        if isinstance(answers.get(key), Mapping) and str(answers[key].get("text") or "").strip()
    )
    completeness = Decimal(answered) / Decimal(len(questions)) if questions else _ONE
    measures["completeness"] = Measure(f"{answered}/{len(questions)}", _clamp(completeness))
    endorsed = version.decision is not None and version.decision.decision == Decision.ENDORSED.value
    measures["endorsement"] = Measure(_("yes") if endorsed else _("no"), _ONE if endorsed else _ZERO)
    count = len(sessions_of(application.applicant_id))
    measures["tutoring"] = Measure(str(count), _clamp(Decimal(count) / Decimal(3)))
    return measures


# --- scoring -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    rating: int | None
    comment: str


class ScoreConflict(DomainError):
    """Someone scored the application since the form was opened: their score is shown, the ratings kept."""

    def __init__(self, latest: ApplicationScore | None) -> None:
        self.latest = latest
        who = latest.officer.full_name if latest is not None else _("Another officer")
        super().__init__(
            {
                "": _(
                    "%(name)s scored this application while you were rating it. Your ratings are still here: "
                    "read their score, then send yours again.",
                    name=who,
                )
            }
        )


def score_rows(
    version: ScorecardVersion, measures: Mapping[str, Measure], ratings: Mapping[str, Rating]
) -> tuple[list[dict[str, Any]], Decimal]:
    """Each criterion's row (value, normalised, weight, contribution) and the total."""
    rows: list[dict[str, Any]] = []
    total = _ZERO
    for entry in version.criteria:
        key, weight = entry["key"], int(entry["weight"])
        criterion = CRITERIA.get(key)
        if criterion is None:
            continue
        if criterion.judged:
            given = ratings.get(key)
            rating = given.rating if given is not None and given.rating is not None else 0
            normalised = Decimal(rating) / Decimal(MAX_RATING)
            shown, comment = f"{rating}/{MAX_RATING}", given.comment if given is not None else ""
        else:
            measure = measures[key]
            normalised, shown, comment, rating = measure.normalised, measure.shown, "", None
        # Rounded first, so that the shown value times the weight is exactly the contribution shown.
        normalised = _round(normalised)
        contribution = normalised * weight
        total += contribution
        rows.append(
            {
                "key": key,
                "shown": shown,
                "normalised": str(_round(normalised)),
                "weight": weight,
                "contribution": str(contribution),
                "rating": rating,
                "comment": comment,
            }
        )
    return rows, _round(total)


def _checked_ratings(version: ScorecardVersion, ratings: Mapping[str, Rating]) -> dict[str, Rating]:
    errors: dict[str, str] = {}
    checked: dict[str, Rating] = {}
    for key in (e["key"] for e in version.criteria if CRITERIA.get(e["key"]) and CRITERIA[e["key"]].judged):
        given = ratings.get(key)
        if given is None or given.rating is None or not 0 <= given.rating <= MAX_RATING:
            errors[f"{key}_rating"] = _("Rate from 0 to %(n)d.", n=MAX_RATING)
            continue
        comment = (given.comment or "").replace("\r\n", "\n").strip()
        if not comment:
            errors[f"{key}_comment"] = _("Say why, in a sentence or two.")
        elif len(comment) > MAX_COMMENT_CHARACTERS:
            errors[f"{key}_comment"] = _(
                "This text has %(now)d characters, at most %(n)d fit. Shorten it; your text is still here.",
                now=len(comment),
                n=MAX_COMMENT_CHARACTERS,
            )
        checked[key] = Rating(given.rating, comment)
    if errors:
        raise DomainError(errors)
    return checked


def score_application(
    application: CreditApplication,
    actor: User,
    ratings: Mapping[str, Rating],
    *,
    seen: int,
    band: str | None = None,
    override_reason: str | None = None,
) -> ApplicationScore:
    """The officer's score, made from the score numbered `seen` (0: none yet); stored as the next one."""
    from workbench.lending.applications import Status, lock_application, state_of

    lock_application(application.id)
    state = state_of(application)
    if state.status not in (Status.SUBMITTED, Status.SCORED):
        raise DomainError(
            {"": _("A decision has been proposed on this application: it is no longer scored.")}
        )
    if state.seen != seen:
        raise ScoreConflict(state.score)
    version = current_scorecard()
    checked = _checked_ratings(version, ratings)
    rows, total = score_rows(version, computed_measures(application), checked)
    computed_band = band_of(total, version)
    chosen = band or computed_band
    if chosen not in BANDS:
        raise DomainError({"band": _("Choose a band.")})
    reason = (override_reason or "").strip()
    if chosen != computed_band and not reason:
        raise DomainError({"override_reason": _("Say why you choose another band than the score's.")})
    if len(reason) > MAX_COMMENT_CHARACTERS:
        raise DomainError(
            {"override_reason": _("Shorten the reason to %(n)d characters.", n=MAX_COMMENT_CHARACTERS)}
        )
    score = ApplicationScore(
        application_id=application.id,
        sequence=seen + 1,
        scorecard_version_id=version.id,
        officer_id=actor.id,
        criteria=rows,
        total=total,
        computed_band=computed_band,
        band=chosen,
        override_reason=reason if chosen != computed_band else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(score)
    except IntegrityError as error:
        raise ScoreConflict(state_of(application).score) from error
    record(
        "application.scored",
        application,
        actor,
        after={
            "sequence": score.sequence,
            "scorecard_version": version.number,
            "total": str(total),
            "computed_band": computed_band,
            "band": chosen,
            "override_reason": score.override_reason,
        },
    )
    return score
