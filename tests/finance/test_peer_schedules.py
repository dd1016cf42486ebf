"""Schedules compared with the figures other lending software and spreadsheet documentation publish.

Every case names its source (repository and path, or address), the terms, the conventions they imply and the
published figures; each figure is asserted exact to the cent under the case's conventions.

Measured (``test_how_many_cases_need_a_non_default_convention`` keeps these numbers true): of the
41 cases, 33 match exactly with the DEFAULT conventions and 8 need a non-default one. Counting, for each of
those 8, the conventions without which it no longer matches:

- installment_unit "1" (Apache Fineract's "installment amount in multiples of 1"): 5 cases;
- interest "flat": 4 cases (3 of Fineract, 1 equal principal flat loan);
- rounding "half_even" (Fineract rounds 15.625 to 15.62): 2 cases;
- day_count "actual/365": 1 case.

Figures that no convention here reproduces are left out (the first two noted next to their case):

- numpy-financial's ``ipmt`` example keeps unrounded balances: its last interest is 1.49 where a schedule
  rounded to the cent every month gives 1.48;
- Excel's CUMIPMT example sums unrounded interest: 11,135.23 for months 13..24 against 11,135.21 here;
- numpy-financial's test_ppmt (55,000 at 10 % over 60 months) gives a first principal of 710.25 from the
  unrounded installment 1,168.5875; with the installment rounded to 1,168.59 it is 710.26;
- Fineract's progressive loans on actual days (ProgressiveEMICalculatorTest,
  testEMICalculation_CheckEmiButNewEmiNotBetterThanOriginal: 100 at 15.678 % on 365 days) compute the level
  installment from the actual-day rate factors: 17.43 where the nominal monthly rate gives 17.44.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest

from workbench.finance.conventions import DEFAULT_CONVENTIONS, Conventions
from workbench.finance.schedule import build_schedule

D = Decimal
FINERACT = "apache/fineract "
EMI_TEST = (
    FINERACT + "fineract-progressive-loan/src/test/java/org/apache/fineract/portfolio/loanproduct/calc/"
    "ProgressiveEMICalculatorTest.java"
)
FEATURES = FINERACT + "fineract-e2e-tests-runner/src/test/resources/features/"
INTEGRATION = FINERACT + "integration-tests/src/test/java/org/apache/fineract/integrationtests/"
NUMPY_DOC = "numpy/numpy-financial numpy_financial/_financial.py"
NUMPY_TEST = "numpy/numpy-financial numpy_financial/tests/test_financial.py"
#: Fineract's LP1 products are created with installmentAmountInMultiplesOf(1)
#: (fineract-e2e-tests-core/src/test/java/org/apache/fineract/test/factory/LoanProductsRequestFactory.java).
WHOLE = {"installment_unit": "1"}


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    principal: str
    rate: str
    term: int
    method: str = "annuity"
    conventions: dict = field(default_factory=dict)
    first_due: date | None = None
    disbursed_on: date | None = None
    #: the level installment (the first amortising one)
    installment: str | None = None
    #: installment number -> published figure
    totals: dict = field(default_factory=dict)
    interest: dict = field(default_factory=dict)
    principal_parts: dict = field(default_factory=dict)
    #: (first, last, published sum of the interest of installments first..last)
    interest_sum: tuple | None = None


def numbered(*values: str) -> dict:
    return {number: value for number, value in enumerate(values, start=1)}


CASES = [
    # --- Apache Fineract ---------------------------------------------------------------------------------
    Case(
        "fineract_emi_9.4822pct_6m",
        EMI_TEST + " testEMICalculation_disbursedAmt100_dayInYears360_daysInMonth30_repayEvery1Month",
        "100",
        "0.094822",
        6,
        first_due=date(2024, 2, 1),
        totals=numbered("17.13", "17.13", "17.13", "17.13", "17.13", "17.13"),
        interest=numbered("0.79", "0.66", "0.53", "0.40", "0.27", "0.13"),
        principal_parts=numbered("16.34", "16.47", "16.60", "16.73", "16.86", "17.00"),
    ),
    Case(
        "fineract_7pct_6m_360_30",
        FEATURES + "Loan.feature line 5547 (LP2_ADV_PYMNT_INTEREST_DAILY_EMI_360_30...)",
        "100",
        "0.07",
        6,
        first_due=date(2024, 2, 1),
        totals=numbered("17.01", "17.01", "17.01", "17.01", "17.01", "17.00"),
        interest=numbered("0.58", "0.49", "0.39", "0.29", "0.20", "0.10"),
        principal_parts=numbered("16.43", "16.52", "16.62", "16.72", "16.81", "16.90"),
    ),
    Case(
        "fineract_emi_7pct_12m",
        EMI_TEST + " testEMICalculation_performance (EMI 8.65 on 100 at 7 %, 12 months, 360/30)",
        "100",
        "0.07",
        12,
        installment="8.65",
    ),
    Case(
        "fineract_emi_no_interest_4m",
        EMI_TEST + " testEMICalculation_disbursedAmt1000_NoInterest_repayEvery1Month",
        "1000",
        "0",
        4,
        totals=numbered("250.00", "250.00", "250.00", "250.00"),
    ),
    Case(
        "fineract_client_loan_2pct_month",
        INTEGRATION + "ClientLoanIntegrationTest.java verifyLoanRepaymentSchedule (12,000 at 2 % a month)",
        "12000",
        "0.24",
        4,
        interest=numbered("240.00", "181.77", "122.38", "61.79"),
        principal_parts=numbered("2911.49", "2969.72", "3029.11", "3089.68"),
    ),
    Case(
        "fineract_lp1_declining_15pct",
        FEATURES + "LoanRepayment.feature line 3159 (LP1_INTEREST_DECLINING_BALANCE_PERIOD_SAME_AS_PAYMENT)",
        "1250",
        "0.15",
        4,
        conventions=WHOLE | {"rounding": "half_even"},  # 1,250 x 1.25 % = 15.625 -> 15.62
        totals=numbered("322.00", "322.00", "322.00", "323.33"),
        interest=numbered("15.62", "11.80", "7.92", "3.99"),
        principal_parts=numbered("306.38", "310.20", "314.08", "319.34"),
    ),
    Case(
        "fineract_lp1_flat_15pct",
        FEATURES + "LoanRepayment.feature line 3139 (LP1_INTEREST_FLAT)",
        "1250",
        "0.15",
        4,
        conventions=WHOLE | {"rounding": "half_even", "interest": "flat"},
        totals=numbered("328.00", "328.00", "328.00", "328.50"),
        interest=numbered("15.62", "15.62", "15.62", "15.64"),
        principal_parts=numbered("312.38", "312.38", "312.38", "312.86"),
    ),
    Case(
        "fineract_lp1_flat_12pct_3m",
        FEATURES + "LoanReschedule.feature line 267 (LP1_INTEREST_FLAT, 3,000 over 3 months)",
        "3000",
        "0.12",
        3,
        conventions=WHOLE | {"interest": "flat"},
        totals=numbered("1030.00", "1030.00", "1030.00"),
        interest=numbered("30.00", "30.00", "30.00"),
    ),
    Case(
        "fineract_multiples_of_flat_12pct",
        INTEGRATION + "LoanInstallmentMultiplesOfTest.java "
        "test_LoanRepaymentScheduleIsEquallyDistributed_WhenInterestIsPresent_AndInterestTypeIsFlat",
        "1250",
        "0.12",
        3,
        conventions=WHOLE | {"interest": "flat"},
        totals=numbered("429.00", "429.00", "429.50"),
        interest=numbered("12.50", "12.50", "12.50"),
        principal_parts=numbered("416.50", "416.50", "417.00"),
    ),
    Case(
        "fineract_actual_365_one_month",
        FEATURES + "LoanChargeOff.feature line 1193 (LP1_INTEREST_DECLINING_BALANCE_PERIOD_DAILY, 31 days)",
        "1000",
        "0.12",
        1,
        conventions={"day_count": "actual/365"},
        first_due=date(2023, 2, 1),
        totals=numbered("1010.19"),
        interest=numbered("10.19"),
    ),
    Case(
        "fineract_lp1_no_interest_6m",
        FEATURES + "Loan.feature line 5011 (LP1, 1,000 over 6 months)",
        "1000",
        "0",
        6,
        conventions=WHOLE,
        principal_parts=numbered("167.00", "167.00", "167.00", "167.00", "167.00", "165.00"),
    ),
    Case(
        "fineract_lp1_no_interest_3m",
        FEATURES + "LoanReschedule.feature line 135 (LP1, 3,000 over 3 months)",
        "3000",
        "0",
        3,
        principal_parts=numbered("1000.00", "1000.00", "1000.00"),
    ),
    Case(
        # The installments after the 25 % down payment (312 of 1,250, in multiples of 1): 938 over 3.
        "fineract_after_down_payment_938",
        FEATURES + "LoanDownPayment.feature line 2032 (LP2_DOWNPAYMENT, 1,250)",
        "938",
        "0",
        3,
        conventions=WHOLE,
        principal_parts=numbered("313.00", "313.00", "312.00"),
    ),
    Case(
        "fineract_after_down_payment_750",
        FEATURES + "LoanDownPayment.feature line 13 (LP2_DOWNPAYMENT_AUTO, 1,000 less 250 down)",
        "750",
        "0",
        3,
        principal_parts=numbered("250.00", "250.00", "250.00"),
    ),
    Case(
        "fineract_after_down_payment_75",
        FEATURES + "LoanChargeback.feature line 2857 (100 less 25 down)",
        "75",
        "0",
        3,
        principal_parts=numbered("25.00", "25.00", "25.00"),
    ),
    # --- numpy-financial ---------------------------------------------------------------------------------
    Case(
        "numpy_pmt_docstring",
        NUMPY_DOC + " pmt: npf.pmt(0.075/12, 12*15, 200000) = -1854.0247...",
        "200000",
        "0.075",
        180,
        installment="1854.02",
    ),
    Case(
        # Interest 1..11 of the ipmt example; its 12th (1.49) comes from unrounded balances (see above).
        "numpy_ipmt_docstring",
        NUMPY_DOC + " ipmt: 2,500 at 8.24 % over 12 months",
        "2500",
        "0.0824",
        12,
        installment="217.75",
        interest=numbered(
            "17.17", "15.79", "14.40", "13.01", "11.60", "10.18", "8.76", "7.32", "5.88", "4.42", "2.96"
        ),
    ),
    Case(
        "numpy_test_pmt",
        NUMPY_TEST + " test_pmt: npf.pmt(0.08 / 12, 5 * 12, 15000) = -304.145914",
        "15000",
        "0.08",
        60,
        installment="304.15",
    ),
    Case(
        "numpy_test_pmt_zero_rate",
        NUMPY_TEST + " test_pmt: npf.pmt(0.0, 5 * 12, 15000) = -250.0",
        "15000",
        "0",
        60,
        installment="250.00",
    ),
    Case(
        "numpy_test_pmt_zero_rate_12",
        NUMPY_TEST + " test_pmt: npf.pmt(0.0, 12, 2000) = -166.66667",
        "2000",
        "0",
        12,
        installment="166.67",
    ),
    Case(
        # Also Microsoft's PPMT example (https://support.microsoft.com/en-us/Excel/functions/ppmt-function,
        # 75.62) and SAS's (support.sas.com lefunctionsref PPMT Function, 75.62).
        "numpy_test_broadcast",
        NUMPY_TEST + " test_ipmt, test_broadcast: 2,000 at 10 % over 24 months, periods 1..4",
        "2000",
        "0.10",
        24,
        interest=numbered("16.67", "16.04", "15.40", "14.76"),
        principal_parts=numbered("75.62", "76.25", "76.89", "77.53"),
    ),
    # --- spreadsheet and database documentation --------------------------------------------------------
    Case(
        "excel_pmt",
        "https://support.microsoft.com/en-US/excel/functions/pmt-function =PMT(8%/12,10,10000) ($1,037.03)",
        "10000",
        "0.08",
        10,
        installment="1037.03",
    ),
    Case(
        "excel_ipmt",
        "https://support.microsoft.com/en-us/excel/ipmt-function =IPMT(10%/12, 1, 3*12, 8000) ($66.67); "
        "also SAS IPMT Function (66.67)",
        "8000",
        "0.10",
        36,
        interest={1: "66.67"},
    ),
    Case(
        "excel_cumipmt",
        "https://support.microsoft.com/en-us/Excel/cumipmt-function and SAS's CUMIPMT Function: "
        "CUMIPMT(0.0075,360,125000,1,1) = -937.50",
        "125000",
        "0.09",
        360,
        # The published 11,135.23 of interest in months 13..24 sums unrounded interest: a schedule rounded to
        # the cent each month pays 11,135.21 (see the module docstring).
        interest={1: "937.50"},
    ),
    Case(
        "mescius_pmt",
        "https://developer.mescius.com/spreadnet/docs/latest/online-formula/FunctionPMT.html "
        "PMT(6%/12, 15, 5000) = -$346.82",
        "5000",
        "0.06",
        15,
        installment="346.82",
    ),
    Case(
        "claris_pmt",
        "https://help.claris.com/en/pro-help/content/pmt.html PMT(21000;.069/12;48) = $501.90",
        "21000",
        "0.069",
        48,
        installment="501.90",
    ),
    Case(
        "adobe_formcalc_pmt",
        "https://help.adobe.com/en_US/AEMForms/6.1/DesignerFormCalcRef/"
        "WS92d06802c76abadb-32254d55129f5ee7c98-7fb0.2.html "
        "Pmt(150000, 0.0475 / 12, 25 * 12) = 855.17604207164",
        "150000",
        "0.0475",
        300,
        installment="855.18",
    ),
    Case(
        "openoffice_pmt",
        "https://wiki.openoffice.org/wiki/Documentation/How_Tos/Calc:_PMT_function "
        "PMT(5.5%/12; 12*2; 5000; 0; 0) = -220.48",
        "5000",
        "0.055",
        24,
        installment="220.48",
    ),
    Case(
        "openoffice_pago_1",
        "https://wiki.openoffice.org/wiki/OOoES/Traduccion/Calc:_Funcion_PAGO "
        "=PAGO(1,99%/12;36;25000) -$715.96",
        "25000",
        "0.0199",
        36,
        installment="715.96",
    ),
    Case(
        "openoffice_pago_2",
        "https://wiki.openoffice.org/wiki/OOoES/Traduccion/Calc:_Funcion_PAGO "
        "=PAGO(0.05/12;36;50000) -$1,498.54",
        "50000",
        "0.05",
        36,
        installment="1498.54",
    ),
    Case(
        "foxpro_payment",
        "https://learn.microsoft.com/de-de/previous-versions/visualstudio/foxpro/cc484664(v=vs.71) "
        "PAYMENT(100000, .105/12, 20*12) displays 998.38",
        "100000",
        "0.105",
        240,
        installment="998.38",
    ),
    # --- tests and documents of other projects -----------------------------------------------------------
    Case(
        "jasmine_calculator_5.8pct",
        "michaeljames-scott09/jasmineTestingEx starterCode/calculator/calculator-test.js "
        "(10000, 8 years, 5.8)",
        "10000",
        "0.058",
        96,
        installment="130.44",
    ),
    Case(
        "jasmine_calculator_3pct",
        "Zachary-A-Frame/jasmine-exercises calculator-test.js (10000, 20 years, 3)",
        "10000",
        "0.03",
        240,
        installment="55.46",
    ),
    Case(
        "jasmine_calculator_4.5pct_10y",
        "tdrudi/JasmineTesting calculator-test.js (10000, 10 years, 4.5)",
        "10000",
        "0.045",
        120,
        installment="103.64",
    ),
    Case(
        "jasmine_calculator_4.5pct_20y",
        "shaneconn23/loanCalculater app.test.js (10000, 20 years, 4.5)",
        "10000",
        "0.045",
        240,
        installment="63.26",
    ),
    Case(
        "amortization_table_readme",
        "Qi-He-0604/Loan_Amortization_Table README.md (15-year $250,000 at 8.0 %: $2,389.13)",
        "250000",
        "0.08",
        180,
        installment="2389.13",
    ),
    Case(
        # ROUND(10000/3,2) of principal and ROUND(10000*2%,2) of interest each month: flat, equal principal.
        "flat_equal_principal_blog",
        "evenhumble/blog-sources source/_posts/loan-calculation.md (10,000 over 3 terms at 2 % a month)",
        "10000",
        "0.24",
        3,
        method="equal_principal",
        conventions={"interest": "flat"},
        interest=numbered("200.00", "200.00", "200.00"),
        principal_parts=numbered("3333.33", "3333.33", "3333.34"),
    ),
    Case(
        "fineract_after_down_payment_750_in_4",
        FEATURES + "Loan.feature line 2729 (1,000 less a 250 down payment, 4 installments of 187.50)",
        "750",
        "0",
        4,
        principal_parts=numbered("187.50", "187.50", "187.50", "187.50"),
    ),
    Case(
        "fineract_after_down_payment_300",
        FEATURES + "Loan.feature line 2408 (400 less a 100 down payment, 3 installments)",
        "300",
        "0",
        3,
        principal_parts=numbered("100.00", "100.00", "100.00"),
    ),
    Case(
        "sas_mort",
        "https://support.sas.com/documentation/cdl/en/lefunctionsref/63354/HTML/default/"
        "p1lu2y2jwy3twmn1mns17ix45c6o.htm mort(50000, . , .10/12, 30*12) = 438.79 (rounded)",
        "50000",
        "0.10",
        360,
        installment="438.79",
    ),
    Case(
        # 0 %: the amounts do not depend on the period, which is 15 days in Fineract (monthly here).
        "fineract_after_down_payment_375",
        FEATURES + "LoanReAmortization.feature line 14 (500 less a 125 down payment, 3 installments)",
        "375",
        "0",
        3,
        principal_parts=numbered("125.00", "125.00", "125.00"),
    ),
]


def build(case: Case, conventions: object):
    return build_schedule(
        case.principal,
        case.rate,
        case.term,
        0,
        case.method,
        case.first_due,
        conventions=conventions,
        disbursed_on=case.disbursed_on,
    )


def mismatches(case: Case, conventions: object) -> list[str]:
    """The published figures the schedule built under ``conventions`` does not reproduce to the cent."""
    try:
        rows = build(case, conventions)
    except ValueError as error:
        return [f"refused: {error}"]
    found = []

    def check(label: str, ours: Decimal, published: str) -> None:
        if ours != D(published):
            found.append(f"{label}: {ours} != {published}")

    if case.installment is not None:
        check("installment", rows[0].total, case.installment)
    for figures, attribute in (
        (case.totals, "total"),
        (case.interest, "interest"),
        (case.principal_parts, "principal"),
    ):
        for number, published in figures.items():
            check(f"{attribute} {number}", getattr(rows[number - 1], attribute), published)
    if case.interest_sum is not None:
        first, last, published = case.interest_sum
        check(f"interest {first}..{last}", sum(row.interest for row in rows[first - 1 : last]), published)
    return found


def test_the_cases_are_many_distinct_and_sourced():
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
    terms = [
        (case.principal, case.rate, case.term, case.method, case.conventions.get("interest"))
        for case in CASES
    ]
    assert len(set(terms)) == len(terms)  # no case counted twice under another name
    assert all(case.source for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_published_figures_are_reproduced_to_the_cent(case: Case):
    assert mismatches(case, Conventions(**parse(case.conventions))) == []


def parse(values: dict) -> dict:
    return {key: D(value) if key == "installment_unit" else value for key, value in values.items()}


def needed(case: Case) -> list[str]:
    """The conventions of ``case`` without which (the others kept) its figures are no longer reproduced."""
    return [
        name
        for name in case.conventions
        if mismatches(case, Conventions(**parse({k: v for k, v in case.conventions.items() if k != name})))
    ]


def test_how_many_cases_need_a_non_default_convention():
    exact_by_default = {case.name for case in CASES if not mismatches(case, DEFAULT_CONVENTIONS)}
    assert len(CASES) == 41
    assert len(exact_by_default) == 33
    # a case states conventions exactly when the defaults do not reproduce it
    assert {case.name for case in CASES if case.conventions} == {
        case.name for case in CASES
    } - exact_by_default
    counts: dict[str, int] = {}
    for case in CASES:
        for name in needed(case):
            counts[name] = counts.get(name, 0) + 1
    assert counts == {"installment_unit": 5, "interest": 4, "rounding": 2, "day_count": 1}
