"""Hostile input on every endpoint, for every role: no 500, no exception escaping, quick answers, nothing
stored that should not be.

The targets are not listed here. Each role's pages are crawled (every GET rule of app.url_map filled with real
objects, then the links they show); every <form> and hx-post found is fuzzed with its own field names, and
test_every_post_endpoint_is_reached fails when a POST endpoint of app.url_map has no page offering it, so a
new endpoint cannot hide from the suite.

Hostile values: oversized text, runaway exponents, NUL bytes, Arabic-Indic and fullwidth digits, both decimal
separators, negatives, empty, missing and duplicated fields, script-bearing text, 5,000-digit integers, ids of
20 digits in the URL and in page=. After each request: no 500 and under WORKBENCH_FUZZ_MAX_SECONDS; a refused
request (401/403/404/...) changed no table; no NUL byte is stored; a plan whose numbers changed still computes
and renders its pages.

Bounded by default (a few examples per form, derandomized: a failure is reproduced by running again).
WORKBENCH_FUZZ_EXAMPLES=500 explores further, with shrinking, and prints the seed of any failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.security import fuzzing as fz
from workbench.plans import numbers_form

DEFAULT_EXAMPLES = 4
EXAMPLES = int(os.environ.get("WORKBENCH_FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
LARGE = EXAMPLES > DEFAULT_EXAMPLES
#: Forms of one endpoint fuzzed by default (the numbers endpoint has three pages, each its own form).
FORMS_PER_ENDPOINT = 3
#: Query arguments of a page are tried with fewer examples by default: one page per endpoint, each argument
#: already gets every hostile value through the sweep of the URL rules.
QUERY_EXAMPLES = EXAMPLES if LARGE else 3
PROFILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LARGE,
    database=None,
    print_blob=True,
    phases=(Phase.explicit, Phase.generate, Phase.shrink) if LARGE else (Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)

#: Every field of a form gets each of these at once, before hypothesis explores further.
SWEEP = ("1e1000000", "a\x00b", "9" * 5_000, "99999999999999999999", "x" * 10_050, "١٢٣٫٤٥", "-1", "")

#: Fields a person types into (as opposed to choices and hidden values the page sets).
TYPED = frozenset(
    {"text", "textarea", "email", "password", "search", "number", "tel", "url", "date", "month"}
)

VALUES = st.one_of(
    st.sampled_from(fz.HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> fz.World:
    return fz.build_world()


def explore(
    label: str, strategy: st.SearchStrategy, check: Callable[[object], None], examples: int = EXAMPLES
) -> str | None:
    """Run hypothesis on one target; the first failure comes back as text instead of stopping the others."""

    @settings(PROFILE, max_examples=examples)
    @given(strategy)
    def run(case: object) -> None:
        check(case)

    try:
        run()
    except Exception as error:  # an AssertionError, or hypothesis' report of one it could not replay
        first = next((e for e in _leaves(error) if isinstance(e, AssertionError)), error)
        return fz.printable(f"{label}: {str(first).splitlines()[0] if str(first) else first!r}")
    return None


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


class Judge:
    """Sends one hostile request and checks everything that must hold after it."""

    #: Tables whose writes may have ended the login or taken a role away: the next request restores first.
    PEOPLE = frozenset({"users", "role_grants", "login_sessions"})

    def __init__(self, app: Flask, client: FlaskClient, world: fz.World, role: str) -> None:
        self.app, self.client, self.world, self.role = app, client, world, role
        self.ready = False
        self.plans = fz.plan_digests()

    def __call__(self, method: str, url: str, data=None, headers=None, what: str = "") -> None:
        # The request runs in a forked child, so this client's cookies never change: the login is restored
        # only when a request wrote to the people's tables (logout, a role taken) or a plan check logged in
        # as its owner.
        if not self.ready:
            self.world.restore(self.client, self.role)
            self.ready = True
        outcome = fz.send(self.client, method, url, data=data, headers=headers)
        found = fz.problems(outcome)
        if outcome.wrote & self.PEOPLE:
            self.ready = False
        if fz.denied(outcome, url) and outcome.wrote:
            found.append(f"refused with {outcome.status} but changed {', '.join(sorted(outcome.wrote))}")
        if outcome.nul:
            found.append(f"stored a NUL byte in {', '.join(sorted(outcome.nul))}")
        if "business_plans" in outcome.wrote:
            now = fz.plan_digests()
            for plan_id in [p for p in now if now[p] != self.plans.get(p)]:
                found += fz.plan_still_works(self.app, self.client, self.world, plan_id)
                self.ready = False
            self.plans = now
        if found:
            raise AssertionError(
                fz.printable(f"{self.role} {method} {url[:120]}: {'; '.join(found)} | sent {what}")
            )


def form_cases(form: fz.Form) -> st.SearchStrategy:
    names = [f.name for f in form.fields if f.kind not in {"button", "submit", "file"}]
    uploads = [f.name for f in form.fields if f.kind == "file"]
    buttons = [f for f in form.buttons()]
    choices = []
    if names:
        choices.append(
            st.tuples(
                st.sampled_from(names), st.sampled_from(("set", "set", "set", "missing", "duplicate")), VALUES
            )
        )
    if uploads:
        documents = fz.hostile_json_documents({})
        choices.append(st.tuples(st.sampled_from(uploads), st.just("upload"), st.sampled_from(documents)))
    if buttons:
        choices.append(st.sampled_from([(b.name, "button", b.value) for b in buttons]))
    if not choices:
        return st.just([])
    return st.lists(st.one_of(*choices), min_size=1, max_size=4)


def headers_for(form: fz.Form, htmx: bool) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Current-URL": "http://" + fz.HOST + form.page} if htmx else {}


@pytest.mark.parametrize("role", fz.ROLES)
def test_hostile_form_values(app: Flask, client: FlaskClient, world: fz.World, role: str) -> None:
    crawled = fz.crawl(app, client, world, role)
    judge = Judge(app, client, world, role)
    failures = []
    for form in _some_per_endpoint(crawled.forms):
        label = f"{role} {form.endpoint} ({form.action[:80]}, form of {form.page[:80]})"
        names = [f.name for f in form.fields if f.kind not in {"button", "submit", "file"}]
        uploads = [f.name for f in form.fields if f.kind == "file"]
        # every field at once, then only the typed ones (a refused choice must not hide what the text does)
        typed = [f.name for f in form.fields if f.kind in TYPED]
        sweep = [fz.mutate(form, [(name, "set", value) for name in names]) for value in SWEEP if names]
        sweep += [fz.mutate(form, [(name, "set", value) for name in typed]) for value in SWEEP if typed]
        if uploads:
            documents = fz.hostile_json_documents(_export(app, client, world))
            judge.ready = False  # the export logged in as the trainee
            sweep += [fz.mutate(form, [(name, "upload", doc) for name in uploads]) for doc in documents]
        for data in sweep:
            try:
                judge("POST", form.action, data, what=fz.describe(data))
            except AssertionError as error:
                failures.append(str(error))

        def check(case, form=form):
            for htmx in (False, True):
                data = fz.mutate(form, case)
                judge("POST", form.action, data, headers_for(form, htmx), what=fz.describe(data))

        if failure := explore(label, form_cases(form), check):
            failures.append(failure)
    if failures:
        pytest.fail(f"{len(failures)} failures:\n" + "\n".join(failures), pytrace=False)


def _some_per_endpoint(forms: list[fz.Form]) -> list[fz.Form]:
    """Every form shape under the large profile; by default the first FORMS_PER_ENDPOINT of each endpoint."""
    if LARGE:
        return forms
    kept: dict[str | None, list[fz.Form]] = {}
    for form in forms:
        kept.setdefault(form.endpoint, [])
        if len(kept[form.endpoint]) < FORMS_PER_ENDPOINT:
            kept[form.endpoint].append(form)
    return [form for group in kept.values() for form in group]


def _export(app: Flask, client: FlaskClient, world: fz.World) -> dict:
    world.restore(client, "trainee")
    response = client.get(f"/plans/{world.values['plan_id']}/assumptions.json")
    return response.get_json(force=True, silent=True) or {}


@pytest.mark.parametrize("role", fz.ROLES)
def test_hostile_urls(app: Flask, client: FlaskClient, world: fz.World, role: str) -> None:
    """Ids of 20 digits, NULs and runaway numbers in the path and in every query argument a page uses."""
    crawled = fz.crawl(app, client, world, role)
    judge = Judge(app, client, world, role)
    failures = []
    for method in ("GET", "POST"):
        for rule in fz.rules(app, method):
            for argument in sorted(rule.arguments):
                # an int converter only routes digits: anything else is a 404 before the app runs
                digits_only = argument in _int_arguments(rule)
                values = fz.HOSTILE_URL if LARGE else fz.HOSTILE_URL_QUICK
                for value in [v for v in values if (v.isascii() and v.isdigit()) or not digits_only]:
                    url = _replace_argument(app, rule, world, argument, value)
                    try:
                        judge(method, url, what=f"{argument}={value[:20]!r}")
                    except AssertionError as error:
                        failures.append(str(error))
                        break
    for page in crawled.pages if LARGE else _one_per_endpoint(app, crawled.pages):
        endpoint = fz.endpoint_of(app, page, "GET")
        arguments = sorted(crawled.queries.get(endpoint, set()) | set(fz.COMMON_QUERY))
        if endpoint in {"plans.pdf"}:
            arguments = ["lang"]
        cases = st.tuples(st.sampled_from(arguments), st.one_of(st.sampled_from(fz.HOSTILE_URL), VALUES))

        def check(case, page=page):
            name, value = case
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                judge(
                    "GET", fz.with_query(page, {name: value}), headers=headers, what=f"{name}={value[:20]!r}"
                )

        if failure := explore(f"{role} GET {page}", cases, check, QUERY_EXAMPLES):
            failures.append(failure)
    if failures:
        pytest.fail(f"{len(failures)} failures:\n" + "\n".join(failures), pytrace=False)


def _one_per_endpoint(app: Flask, pages: list[str]) -> list[str]:
    kept: dict[str | None, str] = {}
    for page in pages:
        kept.setdefault(fz.endpoint_of(app, page, "GET"), page)
    return list(kept.values())


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _replace_argument(app: Flask, rule, world: fz.World, argument: str, value: str) -> str:
    """The rule's URL with one argument set to a hostile value, whatever its converter would accept."""
    marker = 987654321
    values = dict(world.values, **{argument: marker if argument in _int_arguments(rule) else str(marker)})
    return fz.fill(app, rule, values).replace(str(values[argument]), _quote(value), 1)


def _int_arguments(rule) -> set[str]:
    return {
        name for name, converter in rule._converters.items() if type(converter).__name__ == "IntegerConverter"
    }


FIELD_NAMES: set[str] = set()


@pytest.mark.parametrize("role", fz.ROLES)
def test_refused_posts_change_nothing(app: Flask, client: FlaskClient, world: fz.World, role: str) -> None:
    """Every POST endpoint, on the role's own objects and on another trainee's plan, with every field name any
    page shows set to a hostile value: a refusal leaves every table as it was, and nothing answers 500."""
    if not FIELD_NAMES:  # names do not depend on ids: crawled once per run
        for anyone in fz.ROLES:
            FIELD_NAMES.update(
                name for form in fz.crawl(app, client, world, anyone).forms for name in form.names()
            )
    fields = FIELD_NAMES
    judge = Judge(app, client, world, role)
    failures = []
    for rule in fz.rules(app, "POST"):
        for plan_key in ("plan_id", "foreign_plan_id") if "plan_id" in rule.arguments else ("plan_id",):
            values = dict(world.values, plan_id=world.values[plan_key])
            for section_key in (
                ("about_you", *numbers_form.GROUPS) if "section_key" in rule.arguments else ("-",)
            ):
                values["section_key"] = section_key
                url = fz.fill(app, rule, values)
                for value in ("1e1000000", "a\x00b", "99999999999999999999"):
                    try:
                        judge("POST", url, {name: value for name in fields}, what=f"every field={value!r}")
                    except AssertionError as error:
                        failures.append(str(error))
    if failures:
        pytest.fail(f"{len(failures)} failures:\n" + "\n".join(failures), pytrace=False)


def test_every_post_endpoint_is_reached(app: Flask, client: FlaskClient, world: fz.World) -> None:
    """Each POST endpoint of app.url_map is offered by a form or an hx-post on a page some role reaches."""
    reached = {form.endpoint for role in fz.ROLES for form in fz.crawl(app, client, world, role).forms}
    unreached = fz.post_endpoints(app) - reached
    assert not unreached, (
        f"no page offers a form for {sorted(unreached)}: the fuzz suite cannot reach them; link them from a "
        "page or give the world in tests/security/fuzzing.py the object that makes the page show them"
    )
