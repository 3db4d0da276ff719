"""Account codes: what each of our ledger accounts is called, built and read back (table: books/__init__)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

import ledger
from habits.books.formats import Format


class CodeKind(StrEnum):
    PROCESSOR_CASH = "processor_cash"
    HELD = "held"
    WALLET = "wallet"
    POT = "pot"
    REFUNDS_PENDING = "refunds_pending"
    FROZEN = "frozen"
    FEE_REVENUE = "fee_revenue"
    UNCLAIMED_REVENUE = "unclaimed_revenue"
    PAYOUTS_PENDING = "payouts_pending"
    UNKNOWN = "unknown"


#: the one place each code's format is written
CODE_FORMATS: dict[CodeKind, Format] = {
    CodeKind.PROCESSOR_CASH: Format("processor_cash:{currency}"),
    CodeKind.HELD: Format("held:enrollment:{enrollment_id}"),
    CodeKind.WALLET: Format("wallet:member:{member_id}:{currency}"),
    CodeKind.POT: Format("pot:challenge:{challenge_id}"),
    CodeKind.REFUNDS_PENDING: Format("refunds_pending:member:{member_id}:{currency}"),
    CodeKind.FROZEN: Format("frozen:enrollment:{enrollment_id}"),
    CodeKind.FEE_REVENUE: Format("fee_revenue:{currency}"),
    CodeKind.UNCLAIMED_REVENUE: Format("unclaimed_revenue:{currency}"),
    CodeKind.PAYOUTS_PENDING: Format("payouts_pending:member:{member_id}:{currency}"),
}


@dataclass(frozen=True)
class AccountSpec:
    code: str
    kind: str
    currency: str
    non_negative: bool


def _spec(code_kind: CodeKind, kind: str, currency: str, non_negative: bool, /, **fields) -> AccountSpec:
    return AccountSpec(CODE_FORMATS[code_kind].build(**fields), kind, currency, non_negative)


def processor_cash(currency: str) -> AccountSpec:
    return _spec(CodeKind.PROCESSOR_CASH, "asset", currency, False, currency=currency)


def held_deposit(enrollment_id: int, currency: str) -> AccountSpec:
    return _spec(CodeKind.HELD, "liability", currency, True, enrollment_id=enrollment_id)


def wallet(member_id: int, currency: str) -> AccountSpec:
    return _spec(CodeKind.WALLET, "liability", currency, True, member_id=member_id, currency=currency)


def pot(challenge_id: int, currency: str) -> AccountSpec:
    return _spec(CodeKind.POT, "liability", currency, True, challenge_id=challenge_id)


def refunds_pending(member_id: int, currency: str) -> AccountSpec:
    return _spec(
        CodeKind.REFUNDS_PENDING, "liability", currency, True, member_id=member_id, currency=currency
    )


def frozen_deposit(enrollment_id: int, currency: str) -> AccountSpec:
    return _spec(CodeKind.FROZEN, "liability", currency, True, enrollment_id=enrollment_id)


def fee_revenue(currency: str) -> AccountSpec:
    return _spec(CodeKind.FEE_REVENUE, "revenue", currency, False, currency=currency)


def unclaimed_revenue(currency: str) -> AccountSpec:
    return _spec(CodeKind.UNCLAIMED_REVENUE, "revenue", currency, False, currency=currency)


def payouts_pending(member_id: int, currency: str) -> AccountSpec:
    """Winnings approved for payout by the operator, not yet marked paid."""
    return _spec(
        CodeKind.PAYOUTS_PENDING, "liability", currency, True, member_id=member_id, currency=currency
    )


def open_account(session: Session, spec: AccountSpec) -> ledger.Account:
    """Get or create the ledger account for ``spec`` (race-safe in the ledger)."""
    return ledger.get_or_create_account(
        session, code=spec.code, kind=spec.kind, currency=spec.currency, non_negative=spec.non_negative
    )


# -- reading codes back ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedCode:
    kind: CodeKind
    code: str
    member_id: int | None = None
    enrollment_id: int | None = None
    challenge_id: int | None = None
    currency: str | None = None


def parse_code(code: str) -> ParsedCode:
    """What an account code names; a code no format matches is ``CodeKind.UNKNOWN``, never an error."""
    for kind, fmt in CODE_FORMATS.items():
        fields = fmt.match(code)
        if fields is not None:
            return ParsedCode(kind, code, **fields)
    return ParsedCode(CodeKind.UNKNOWN, code)


# -- LIKE patterns (every code of one kind, or one member's) ------------------------------------


def wallets_like(member_id: int) -> str:
    """LIKE pattern of every wallet of one member (one per currency)."""
    return CODE_FORMATS[CodeKind.WALLET].prefix(member_id=member_id) + "%"


def member_codes_like(member_id: int) -> list[str]:
    """LIKE patterns of every account one member owns, in every currency (wallets, refunds and
    payouts pending): a kind of code added with a ``member_id`` is among them at once."""
    return [
        fmt.prefix(member_id=member_id) + "%" for fmt in CODE_FORMATS.values() if "member_id" in fmt.fields
    ]


def enrollment_codes(enrollment_id: int) -> list[str]:
    """The code of every account one enrollment owns (its held deposit, its frozen part)."""
    return [
        fmt.build(enrollment_id=enrollment_id)
        for fmt in CODE_FORMATS.values()
        if fmt.fields == ("enrollment_id",)
    ]


def payouts_pending_like() -> str:
    """LIKE pattern of every member's payouts pending, in every currency."""
    return CODE_FORMATS[CodeKind.PAYOUTS_PENDING].prefix() + "%"


def processor_cash_like() -> str:
    """LIKE pattern of processor cash in every currency."""
    return CODE_FORMATS[CodeKind.PROCESSOR_CASH].prefix() + "%"


# -- the same codes in SQL, over columns (set-based paths) -----------------------------------------


def held_code_sql(enrollment_id):
    return CODE_FORMATS[CodeKind.HELD].sql(enrollment_id=enrollment_id)


def wallet_code_sql(member_id, currency):
    return CODE_FORMATS[CodeKind.WALLET].sql(member_id=member_id, currency=currency)


def pot_code_sql(challenge_id):
    return CODE_FORMATS[CodeKind.POT].sql(challenge_id=challenge_id)


def frozen_code_sql(enrollment_id):
    return CODE_FORMATS[CodeKind.FROZEN].sql(enrollment_id=enrollment_id)


def fee_code_sql(currency):
    return CODE_FORMATS[CodeKind.FEE_REVENUE].sql(currency=currency)
