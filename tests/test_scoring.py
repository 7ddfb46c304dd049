"""Scoring, ranking and the lists (data contract, sections 7 and 8), with hand-computed numbers."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.model import (
    BEST_OF,
    CHOICE,
    SCORE,
    Answer,
    Category,
    Dimension,
    GradeBand,
    Item,
    ListedUnit,
    ListRule,
    Option,
    Rubric,
    ScoreSheet,
    Unit,
    Variant,
    Year,
    YearData,
)
from bulletin.problems import Mark
from bulletin.scoring import (
    UnitScore,
    aggregate_marks,
    assess_year,
    decimal_text,
    rank_category,
    score_answer,
    score_unit,
)

D = Decimal
HERE = Mark("test.yaml")
COUNTY = Category("county", "县(区)")
REFORM = Category("reform", "重大改革")


def marks(*values: str) -> list[Decimal]:
    return [D(v) for v in values]


def item(
    iid: str,
    points: str,
    kind: str = SCORE,
    options: dict[str, str] | None = None,
    variants: tuple = (),
) -> Item:
    opts = tuple(Option(label, D(p)) for label, p in (options or {}).items())
    return Item(iid, f"评分项{iid}", D(points), kind, opts, None, tuple(variants), HERE)


def rubric(rid: str, **dimensions: tuple[Item, ...]) -> Rubric:
    dims = tuple(
        Dimension(did, f"指标{did}", sum((i.points for i in items), D(0)), tuple(items))
        for did, items in dimensions.items()
    )
    return Rubric(rid, f"评分标准{rid}", sum((d.points for d in dims), D(0)), dims)


# Two dimensions so that tie_break has something to compare: total = work + daily.
RUBRIC = rubric("r", work=(item("w", "60"),), daily=(item("d", "40"),))


def year(**kwargs) -> Year:
    return Year(2014, "测试年度", "published", None, (COUNTY, REFORM), **kwargs)


def assess(units: list[tuple[str, str, tuple[str, str] | None]], **year_kwargs):
    """Assess units given as (id, category, (work, daily) or None for not yet scored)."""
    model_units = tuple(Unit(uid, f"单位{uid}", cat, "r", {}, mark=HERE) for uid, cat, _ in units)
    sheets = {
        uid: ScoreSheet(uid, {"w": Answer(value=D(w)), "d": Answer(value=D(d))}, True)
        for uid, _, parts in units
        if parts is not None
        for w, d in [parts]
    }
    return assess_year(YearData(year(**year_kwargs), model_units, {"r": RUBRIC}, sheets, None))


def listed(*entries: tuple[str, str]) -> tuple[ListedUnit, ...]:
    return tuple(ListedUnit(uid, reason, HERE) for uid, reason in entries)


# -- experts' marks (section 7) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "method, values, expected",
    [
        ("mean", ("2.5", "3", "3", "2", "3", "3"), "2.75"),
        ("mean", ("26", "27.5", "27", "28", "26.5", "26"), "26.83"),  # 161 / 6 = 26.8333…
        ("mean", ("0", "1", "1"), "0.67"),  # 0.6666…
        ("mean", ("1", "1.01"), "1.01"),  # 1.005: half up, not half even
        ("mean", ("0.01", "0.02"), "0.02"),  # 0.015
        ("mean", ("4.5",), "4.5"),
        ("trimmed-mean", ("1", "2", "3", "10"), "2.5"),  # drops 1 and 10
        ("trimmed-mean", ("2.5", "3", "3", "2", "3", "3"), "2.88"),  # 11.5 / 4 = 2.875
        ("trimmed-mean", ("5", "1", "3"), "3"),
        ("median", ("3", "1", "2"), "2"),
        ("median", ("4.01", "1", "3", "2"), "2.5"),
        ("median", ("1", "2.01", "2.02", "5"), "2.02"),  # 2.015
        ("median", ("7",), "7"),
    ],
)
def test_aggregate_marks(method: str, values: tuple[str, ...], expected: str):
    result = aggregate_marks(marks(*values), method)
    assert result == D(expected)
    assert result.as_tuple().exponent >= -2


def test_experts_answer_is_aggregated_per_year_method():
    progress = item("p", "30").applied({})
    answer = Answer(experts=tuple(marks("2.5", "3", "3", "2", "3", "3")))  # sorted: 2 2.5 3 3 3 3
    assert score_answer(progress, answer, "mean") == D("2.75")  # 16.5 / 6
    assert score_answer(progress, answer, "trimmed-mean") == D(
        "2.88"
    )  # 2.5 3 3 3: 11.5 / 4 = 2.875
    assert score_answer(progress, answer, "median") == D("3")  # (3 + 3) / 2


# -- items, subtotals, totals -----------------------------------------------------------------


def test_score_item_is_the_value_written():
    assert score_answer(item("p", "5").applied({}), Answer(value=D("4.5")), "mean") == D("4.5")


def test_choice_item_is_its_option_points():
    reporter = item("r", "3", CHOICE, {"正职": "3", "副职": "2", "科级": "1"}).applied({})
    assert score_answer(reporter, Answer(labels=("副职",)), "mean") == D("2")


def test_best_of_takes_the_best_option_capped_at_points():
    innovation = item("i", "15", BEST_OF, {"一类": "15", "二类": "10", "三类": "12"}).applied({})
    assert score_answer(innovation, Answer(labels=("二类", "三类")), "mean") == D("12")
    assert score_answer(innovation, Answer(labels=("一类", "二类")), "mean") == D("15")  # not 25
    assert score_answer(innovation, Answer(labels=()), "mean") == D("0")
    # Options are validated to lie within the points; the cap still holds if one did not.
    generous = item("g", "15", BEST_OF, {"特类": "20"}).applied({})
    assert score_answer(generous, Answer(labels=("特类",)), "mean") == D("15")


def test_variants_choose_title_type_and_options():
    progress = item(
        "progress",
        "30",
        variants=(
            Variant(
                (("pilot", True),),
                "试点县",
                CHOICE,
                (Option("好", D("30")), Option("差", D("10"))),
                None,
                HERE,
            ),
            Variant((("pilot", False),), None, None, None, None, HERE),
        ),
    )
    pilot = progress.applied({"pilot": True})
    other = progress.applied({"pilot": False})
    assert (pilot.title, pilot.type, pilot.variant) == ("试点县", CHOICE, 0)
    assert (other.title, other.type, other.variant) == ("评分项progress", SCORE, 1)
    assert score_answer(pilot, Answer(labels=("差",)), "mean") == D("10")
    assert score_answer(other, Answer(value=D("27.5")), "mean") == D("27.5")
    assert progress.matching_variants({"pilot": "true"}) == []  # compared as written
    assert progress.matching_variants({}) == []


def test_subtotals_and_total_are_exact_sums():
    r = rubric(
        "county",
        work=(item("plan", "5"), item("progress", "30")),
        daily=(item("reporter", "3", CHOICE, {"正职": "3", "副职": "2"}), item("articles", "5")),
        innovation=(item("innovation", "15", BEST_OF, {"一类": "15", "二类": "15"}),),
    )
    unit = Unit("x", "某县", "county", "county", {}, mark=HERE)
    answers = {
        "plan": Answer(value=D("4.5")),
        "progress": Answer(experts=tuple(marks("26", "27.5", "27", "28", "26.5", "26"))),
        "reporter": Answer(labels=("副职",)),
        "articles": Answer(value=D("0.05")),
        "innovation": Answer(labels=("一类", "二类")),
    }
    score = score_unit(unit, r, ScoreSheet("x", answers, True), "mean")
    assert [(d.dimension.id, d.subtotal) for d in score.dimensions] == [
        ("work", D("31.33")),  # 4.5 + 26.83
        ("daily", D("2.05")),  # 2 + 0.05
        ("innovation", D("15")),
    ]
    assert score.total == D("48.38")
    assert decimal_text(score.total) == "48.38"


def test_incomplete_or_missing_sheet_is_unscored():
    unit = Unit("x", "某县", "county", "r", {}, mark=HERE)
    assert score_unit(unit, RUBRIC, None, "mean").total is None
    partial = ScoreSheet("x", {"w": Answer(value=D("1"))}, False)
    score = score_unit(unit, RUBRIC, partial, "mean")
    assert score.total is None and score.dimensions == ()


@pytest.mark.parametrize(
    "total, weight, expected",
    [
        ("92.35", "0.1", "9.24"),
        ("86.45", "0.1", "8.65"),
        ("86.44", "0.1", "8.64"),
        ("80", "0.15", "12"),
    ],
)
def test_weighted_is_rounded_half_up(total: str, weight: str, expected: str):
    work, daily = D(total) - D("40"), "40"
    results = assess([("a", "county", (str(work), daily))], weight=D(weight))
    assert results.result("a").weighted == D(expected)


def test_no_weight_no_weighted():
    assert assess([("a", "county", ("50", "40"))]).result("a").weighted is None


@pytest.mark.parametrize(
    "text, expected", [(D("92.50"), "92.5"), (D("5"), "5"), (D("0.00"), "0"), (D("-0"), "0")]
)
def test_decimal_text(text: Decimal, expected: str):
    assert decimal_text(text) == expected


# -- ranking (section 8) ----------------------------------------------------------------------

TIES = [
    ("p", "county", ("50", "40")),  # 90
    ("q", "county", ("45", "40")),  # 85, daily 40
    ("r", "county", ("40", "45")),  # 85, daily 45
    ("s", "county", ("40", "40")),  # 80
]


def ranking(results, category: str = "county") -> list[tuple[str, int | None, bool]]:
    (cat,) = [c for c in results.rankings if c.category.id == category]
    return [(r.unit.id, r.rank, r.tied) for r in cat.results]


def test_competition_ranks_with_ties():
    results = assess(TIES)
    assert ranking(results) == [("p", 1, False), ("q", 2, True), ("r", 2, True), ("s", 4, False)]


def test_ties_keep_units_yaml_order():
    results = assess([TIES[3], TIES[2], TIES[1], TIES[0]])
    assert ranking(results) == [("p", 1, False), ("r", 2, True), ("q", 2, True), ("s", 4, False)]
    assert [r.unit.id for r in results.units] == [
        "s",
        "r",
        "q",
        "p",
    ]  # results stay in units.yaml order


def test_tie_break_resolves_a_tie():
    results = assess(TIES, tie_break=("daily",))
    assert ranking(results) == [("p", 1, False), ("r", 2, False), ("q", 3, False), ("s", 4, False)]


def test_tie_break_that_is_also_equal_keeps_the_tie():
    units = [("q", "county", ("45", "40")), ("r", "county", ("45", "40"))]
    assert ranking(assess(units, tie_break=("daily", "work"))) == [("q", 1, True), ("r", 1, True)]


def test_categories_are_ranked_separately_and_unscored_come_last():
    results = assess(
        [
            ("a", "county", ("50", "30")),
            ("b", "reform", ("50", "20")),
            ("c", "county", None),
            ("d", "county", ("50", "35")),
            ("e", "reform", ("50", "25")),
        ]
    )
    assert ranking(results, "county") == [("d", 1, False), ("a", 2, False), ("c", None, False)]
    assert ranking(results, "reform") == [("e", 1, False), ("b", 2, False)]


def test_tied_phrase_in_generated_reason():
    results = assess(TIES, commendation=ListRule(top=2))
    assert results.result("q").commendation_reason == "并列县(区)类第2名，得分85"
    assert results.result("p").commendation_reason == "位列县(区)类第1名，得分90"
    assert [r.unit.id for r in results.commended] == ["p", "q", "r"]


# -- grades -----------------------------------------------------------------------------------

BANDS = (GradeBand("优秀", D("90")), GradeBand("良好", D("80")), GradeBand("合格", D("60")))


@pytest.mark.parametrize(
    "work, daily, grade",
    [
        ("50", "40", "优秀"),
        ("49.99", "40", "良好"),
        ("40", "40", "良好"),
        ("20", "40", "合格"),
        ("19.99", "40", None),
    ],
)
def test_grade_bands_min_inclusive(work: str, daily: str, grade: str | None):
    assert assess([("a", "county", (work, daily))], grades=BANDS).result("a").grade == grade


def test_no_bands_no_grade():
    assert assess([("a", "county", ("60", "40"))]).result("a").grade is None


# -- commendation and rectification -----------------------------------------------------------


def commended(results) -> dict[str, str]:
    return {r.unit.id: r.commendation_reason for r in results.units if r.commended}


def to_rectify(results) -> dict[str, str]:
    return {r.unit.id: r.rectification_reason for r in results.units if r.rectify}


def test_commendation_by_top_only():
    assert commended(assess(TIES, commendation=ListRule(top=1))) == {
        "p": "位列县(区)类第1名，得分90"
    }


def test_commendation_by_min_total_only():
    results = assess(TIES, commendation=ListRule(min_total=D("85")))
    assert commended(results) == {
        "p": "位列县(区)类第1名，得分90，不低于85分",
        "q": "并列县(区)类第2名，得分85，不低于85分",
        "r": "并列县(区)类第2名，得分85，不低于85分",
    }


def test_commendation_by_top_and_min_total():
    assert set(commended(assess(TIES, commendation=ListRule(top=2, min_total=D("86"))))) == {"p"}
    assert commended(assess(TIES, commendation=ListRule(top=1, min_total=D("91")))) == {}


def test_commendation_rule_without_conditions_commends_nobody():
    assert commended(assess(TIES, commendation=ListRule())) == {}


def test_commendation_top_applies_per_category():
    units = [
        ("a", "county", ("50", "30")),
        ("b", "reform", ("10", "10")),
        ("c", "county", ("50", "35")),
    ]
    assert set(commended(assess(units, commendation=ListRule(top=1)))) == {"b", "c"}


def test_explicitly_listed_unit_has_its_reason():
    results = assess(TIES, commendation=ListRule(units=listed(("s", "改革取得重大突破"))))
    assert commended(results) == {"s": "改革取得重大突破"}


def test_listed_and_by_rule_reason_contains_listed_text():
    results = assess(TIES, commendation=ListRule(top=1, units=listed(("p", "改革取得重大突破"))))
    reason = commended(results)["p"]
    assert "改革取得重大突破" in reason and "位列县(区)类第1名" in reason


def test_rectification_by_below():
    units = [*TIES, ("t", "county", ("20", "39.99"))]  # 59.99
    results = assess(units, rectification=ListRule(below=D("60")))
    assert to_rectify(results) == {"t": "位列县(区)类第5名，得分59.99，低于60分"}
    exactly = assess([("u", "county", ("20", "40"))], rectification=ListRule(below=D("60")))
    assert to_rectify(exactly) == {}  # total < below, strictly


def test_rectification_listed_explicitly():
    results = assess(TIES, rectification=ListRule(units=listed(("q", "工作严重滞后"))))
    assert to_rectify(results) == {"q": "工作严重滞后"}


def test_unit_to_rectify_by_rule_is_never_commended_by_rule():
    results = assess(TIES, commendation=ListRule(top=4), rectification=ListRule(below=D("81")))
    assert to_rectify(results) == {"s": "位列县(区)类第4名，得分80，低于81分"}
    assert set(commended(results)) == {"p", "q", "r"}


def test_unit_listed_for_rectification_is_never_commended_by_rule():
    results = assess(
        TIES, commendation=ListRule(top=1), rectification=ListRule(units=listed(("p", "材料造假")))
    )
    assert to_rectify(results) == {"p": "材料造假"}
    assert commended(results) == {}


def test_unit_to_rectify_may_still_be_listed_for_commendation():
    results = assess(
        TIES,
        commendation=ListRule(units=listed(("s", "单项改革突出"))),
        rectification=ListRule(below=D("81")),
    )
    assert commended(results) == {"s": "单项改革突出"}
    assert set(to_rectify(results)) == {"s"}


def test_unscored_unit_has_no_rank_and_is_in_no_list():
    units = [("a", "county", ("50", "40")), ("b", "county", None)]
    results = assess(
        units,
        commendation=ListRule(top=5, units=listed(("b", "表现突出"))),
        rectification=ListRule(below=D("95"), units=listed(("b", "材料不全"))),
        grades=BANDS,
        weight=D("0.1"),
    )
    b = results.result("b")
    assert not b.scored
    assert (b.total, b.rank, b.tied, b.grade, b.weighted) == (None, None, False, None, None)
    assert (b.commended, b.commendation_reason, b.rectify, b.rectification_reason) == (
        False,
        None,
        False,
        None,
    )
    assert [r.unit.id for r in results.rectify] == ["a"]
    assert results.commended == []


# -- the sample, checked by hand --------------------------------------------------------------


def full_result(result) -> dict[str, object]:
    return {
        "items": {i.item.id: i.score for d in result.score.dimensions for i in d.items},
        "dimensions": {d.dimension.id: d.subtotal for d in result.score.dimensions},
        "total": result.total,
        "rank": result.rank,
        "tied": result.tied,
        "grade": result.grade,
        "weighted": result.weighted,
        "commended": result.commended,
        "commendation_reason": result.commendation_reason,
        "rectify": result.rectify,
        "rectification_reason": result.rectification_reason,
    }


def test_sample_pingding_by_hand(project):
    # scores/2014/pingding.yaml against rubrics/2014/county.yaml; year.yaml: top 1, min_total 90,
    # below 60, weight 0.1. County totals: pingding 92.35, chengqu 87.6, yuxian 83.15 …
    result = project.results().result("pingding")
    assert full_result(result) == {
        "items": {
            "plan": D("4.5"),
            "task-plans": D("8.8"),
            "progress": D("26.83"),  # experts 26, 27.5, 27, 28, 26.5, 26: 161 / 6 = 26.833…
            "county-progress": D("13.72"),
            "cooperation": D("5"),
            "breakdown": D("2.5"),
            "information": D("2.5"),
            "articles": D("5"),
            "meetings": D("3"),
            "summary": D("2.5"),
            "reporter": D("3"),  # 正职
            "reform-innovation": D("15"),  # [一类, 二类]: 15 + 15 capped at 15
        },
        "dimensions": {"key-tasks": D("58.85"), "daily": D("18.5"), "innovation": D("15")},
        "total": D("92.35"),
        "rank": 1,
        "tied": False,
        "grade": "优秀",
        "weighted": D("9.24"),  # 9.235 half up
        "commended": True,
        "commendation_reason": "位列县(区)类第1名，得分92.35，不低于90分",
        "rectify": False,
        "rectification_reason": None,
    }
    progress = result.score.dimensions[0].items[2].item
    assert progress.variant == 0 and progress.title.startswith("省级试点县(区)")


def test_sample_swj_by_hand(project):
    # scores/2014/swj.yaml against rubrics/2014/department.yaml (counterpart: true). Matter
    # totals: zjj 91.05, swj 86.45, ghj 86.45 (tied, ghj listed after swj), gaj 84.9 …
    results = project.results()
    result = results.result("swj")
    assert full_result(result) == {
        "items": {
            "plan": D("11.7"),
            "progress": D("32.75"),  # experts 34, 31, 33.5, 33.5, 31, 33.5: 196.5 / 6
            "cooperation": D("4.5"),
            "breakdown": D("2.5"),
            "coordination": D("1.5"),
            "support": D("1"),
            "monthly-report": D("2"),
            "summary": D("1.5"),
            "information": D("1.5"),
            "articles": D("4.5"),
            "reporter": D("3"),  # 正职
            "reform-innovation": D("15"),  # [二类]
            "participation": D("5"),  # 厅局级领导参与, counterpart variant
        },
        "dimensions": {
            "key-tasks": D("48.95"),
            "daily": D("17.5"),
            "innovation": D("15"),
            "counterpart": D("5"),
        },
        "total": D("86.45"),
        "rank": 2,
        "tied": True,
        "grade": "良好",
        "weighted": D("8.65"),  # 8.645 half up
        "commended": False,
        "commendation_reason": None,
        "rectify": False,
        "rectification_reason": None,
    }
    assert ranking(results, "matter")[:4] == [
        ("zjj", 1, False),
        ("swj", 2, True),
        ("ghj", 2, True),
        ("gaj", 4, False),
    ]


def test_sample_lists_by_hand(project):
    results = project.results()
    assert {r.unit.id: r.commendation_reason for r in results.commended} == {
        "pingding": "位列县(区)类第1名，得分92.35，不低于90分",
        "fgw": "承担的重大改革取得重大突破，经验在全省推广（示例）（位列重大改革类第1名，得分94.2，不低于90分）",
        "zjj": "位列重大事项类第1名，得分91.05，不低于90分",
        "kjj": "位列重大课题类第1名，得分92.6，不低于90分",
    }
    assert {r.unit.id: r.rectification_reason for r in results.rectify} == {
        "kuangqu": "位列县(区)类第6名，得分56.7，低于60分",
        "tyj": "位列重大事项类第13名，得分57.6，低于60分",
    }


# -- properties -------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=3000).map(lambda c: D(c) / 100)


@st.composite
def scored_rubric(draw: st.DrawFn) -> tuple[Rubric, dict[str, Answer], str]:
    """A random rubric of every item type, and a valid answer for each item."""
    dimensions: dict[str, tuple[Item, ...]] = {}
    answers: dict[str, Answer] = {}
    for d in range(draw(st.integers(1, 3))):
        items = []
        for i in range(draw(st.integers(1, 4))):
            iid = f"i{d}-{i}"
            points = draw(cents)
            kind = draw(st.sampled_from([SCORE, CHOICE, BEST_OF]))
            within = st.integers(0, int(points * 100)).map(lambda c: D(c) / 100)
            if kind == SCORE:
                items.append(item(iid, str(points)))
                if draw(st.booleans()):
                    answers[iid] = Answer(value=draw(within))
                else:
                    answers[iid] = Answer(
                        experts=tuple(draw(st.lists(within, min_size=3, max_size=7)))
                    )
            else:
                values = draw(st.lists(within, min_size=1, max_size=4))
                options = {f"选项{n}": str(v) for n, v in enumerate(values)}
                items.append(item(iid, str(points), kind, options))
                labels = list(options)
                if kind == CHOICE:
                    answers[iid] = Answer(labels=(draw(st.sampled_from(labels)),))
                else:
                    chosen = draw(
                        st.lists(st.sampled_from(labels), unique=True, max_size=len(labels))
                    )
                    answers[iid] = Answer(labels=tuple(chosen))
        dimensions[f"d{d}"] = tuple(items)
    return (
        rubric("r", **dimensions),
        answers,
        draw(st.sampled_from(["mean", "trimmed-mean", "median"])),
    )


@settings(max_examples=60, deadline=None)
@given(scored_rubric())
def test_total_is_sum_of_items_within_rubric_total(case: tuple[Rubric, dict[str, Answer], str]):
    r, answers, method = case
    unit = Unit("x", "某单位", "county", "r", {}, mark=HERE)
    score = score_unit(unit, r, ScoreSheet("x", answers, True), method)
    item_scores = [i.score for d in score.dimensions for i in d.items]
    assert score.total == sum(item_scores, D(0))
    for d in score.dimensions:
        assert d.subtotal == sum((i.score for i in d.items), D(0))
        assert D(0) <= d.subtotal <= d.dimension.points
        for i in d.items:
            assert D(0) <= i.score <= i.item.points
            assert i.score.as_tuple().exponent >= -2
    assert D(0) <= score.total <= r.total


def unit_scores(totals: list[int | None]) -> list[UnitScore]:
    units = [Unit(f"u{n}", f"单位{n}", "county", "r", {}, mark=HERE) for n in range(len(totals))]
    return [
        UnitScore(u, RUBRIC, None, (), None if t is None else D(t))
        for u, t in zip(units, totals, strict=True)
    ]


totals_lists = st.lists(
    st.one_of(st.none(), st.integers(0, 5)), max_size=12
)  # small range: many ties


@settings(max_examples=80, deadline=None)
@given(totals_lists)
def test_ranking_properties(totals: list[int | None]):
    scores = unit_scores(totals)
    ranked = rank_category(scores)
    scored = [s for s in scores if s.total is not None]
    assert sorted(s.unit.id for s, _, _ in ranked) == sorted(s.unit.id for s in scored)
    if ranked:
        assert ranked[0][1] == 1
    for position, (score, rank, tied) in enumerate(ranked):
        same = [s for s in scored if s.total == score.total]
        higher = [s for s in scored if s.total > score.total]
        assert rank == len(higher) + 1  # shared rank; the next rank skips by the tie's size
        assert tied == (len(same) > 1)
        if position:
            previous = ranked[position - 1]
            assert previous[0].total >= score.total
            if previous[0].total == score.total:
                assert previous[1] == rank
                # stable: tied units keep their input order
                assert scores.index(previous[0]) < scores.index(score)


@settings(max_examples=80, deadline=None)
@given(totals_lists, st.randoms(use_true_random=False))
def test_permuting_input_only_reorders_exact_ties(totals: list[int | None], rnd: random.Random):
    scores = unit_scores(totals)
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    before = rank_category(scores)
    after = rank_category(shuffled)
    assert [(s.total, rank, tied) for s, rank, tied in after] == [
        (s.total, rank, tied) for s, rank, tied in before
    ]
    assert {s.unit.id: (r, t) for s, r, t in after} == {s.unit.id: (r, t) for s, r, t in before}
    for total in {s.total for s, _, _ in before}:
        group = [s.unit.id for s, _, _ in after if s.total == total]
        assert group == [s.unit.id for s in shuffled if s.total == total]


# -- the number filters pages show scores with (render.fixed, num, percent) ---------------------

scores = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@given(scores, st.sampled_from([Decimal("1"), Decimal("3"), Decimal("30"), Decimal("100")]))
def test_a_kept_number_text_is_the_text_of_every_equal_value(value: Decimal, maximum: Decimal):
    """The filters keep their answers by value: so every value equal to it, whatever its type,
    exponent or trailing zeros, must have the same text, the one worked out afresh."""
    from bulletin.render import fixed, num, percent

    equal = [value, value.normalize(), value.quantize(Decimal("0.0001")), Decimal(str(value))]
    if value == int(value):
        equal.append(int(value))
    for filter_, args in ((fixed, ()), (num, ()), (percent, (maximum,))):
        for v in equal:
            assert filter_(v, *args) == filter_.__wrapped__(value, *args)


def test_number_filters_show_zero_once_and_round_half_up():
    from bulletin.render import fixed, num, percent

    # worked out afresh, not kept: the kept answer for 0 would hide a "-0.00"
    assert fixed.__wrapped__(Decimal("-0")) == fixed.__wrapped__(Decimal("-0.001")) == "0.00"
    assert fixed(Decimal("-0")) == fixed(Decimal("0.000")) == fixed(0) == "0.00"
    assert fixed(Decimal("2.675")) == "2.68" and fixed(Decimal("92.5")) == "92.50"
    assert fixed(Decimal("2.5"), 0) == "3" and fixed(None) == num(None) == "—"
    assert num(Decimal("10.0")) == num(Decimal("1E+1")) == "10" and num(Decimal("0.50")) == "0.5"
    assert percent(Decimal("15"), Decimal("30")) == "50" and percent(None, Decimal(5)) == "0"


@given(
    st.one_of(st.none(), st.integers(-(10**6), 10**6), st.decimals(allow_nan=True)),
    st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
    st.one_of(st.none(), st.dates()),
)
def test_plain_text_filters_never_write_a_character_html_gives_meaning_to(value, maximum, day):
    """Their output is written into pages unescaped (render._Compiler): digits, point, minus,
    dash, 年月日 and the like only."""
    from bulletin.render import cn_date, fixed, num, percent

    texts = [cn_date(day), cn_date(day.isoformat()) if day else ""]
    for filter_, args in ((fixed, ()), (fixed, (0,)), (num, ()), (percent, (maximum,))):
        try:
            texts.append(filter_(value, *args))
        except (ArithmeticError, ValueError, TypeError):  # no text: the page fails to draw
            pass
    assert not [t for t in texts if set(t) & set("<>&\"'")]


def test_plain_text_filters_are_written_out_unescaped_and_others_escaped(tmp_path):
    from pathlib import Path

    from bulletin import render

    (tmp_path / "templates").mkdir()
    env = render.environment(Path(tmp_path))
    code = env.compile("{{ x | fixed }}|{{ x | upper }}|{{ x | num | e }}", raw=True)
    assert "yield (t_" in code and code.count("escape(") == 2
    template = env.from_string("{{ x | fixed }}|{{ y | upper }}|{{ z | cn_date }}")
    assert template.render(x=Decimal("2.675"), y="<b>", z="2015-01-20") == (
        "2.68|&lt;B&gt;|2015年1月20日"
    )
    assert all(env.filters[name] is f for name, f in render.PLAIN_TEXT.items())
