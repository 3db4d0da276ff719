"""The ledger's vocabulary: every account code and transaction key habits writes, built and read
back here, and nowhere else (tests/test_books.py fails on a code or key format written in any
other module of habits/, ledger/ or bench/).

Account codes (codes.py) are stable strings a human can read back to their cause:

=================================  ==========  =============================================
code                               kind        holds
=================================  ==========  =============================================
processor_cash:{CCY}               asset       money at the payment processor (Stripe)
held:enrollment:{id}               liability   the part of a deposit not yet returned/forfeited
wallet:member:{id}:{CCY}           liability   what we owe the member now
pot:challenge:{id}                 liability   forfeits waiting to be split
refunds_pending:member:{id}:{CCY}  liability   money on its way back to a card
payouts_pending:member:{id}:{CCY}  liability   winnings approved for payout, not yet paid
frozen:enrollment:{id}             liability   a held deposit frozen by a card dispute
fee_revenue:{CCY}                  revenue     the platform's fee
unclaimed_revenue:{CCY}            revenue     a last pot nobody completed to claim
=================================  ==========  =============================================

Every account that belongs to a member or a challenge may never go negative.

Transaction keys (keys.py): one transaction per kind of movement, so receipts, statements, the
audit and the wallet page read what happened from the key, never from a copy. Legs are signed
from the asset side (debit positive); "a -> b" moves money from liability a to liability b.

==========================================  ==================================================
key                                         what moves, and when
==========================================  ==================================================
``deposit:{enrollment}``                    processor_cash +D, held -D: a matching card
                                            payment; or wallet +D, held -D: paid from the
                                            wallet (services/deposits.py)
``stripe-late:{pi}``                        processor_cash +A, wallet -A: a payment nothing
                                            can take
``withdrawal:{enrollment}:before-start``    held -> wallet: quit before day 0 opened
                                            (services/enrollments.py)
``withdrawal:{withdrawal}:{charge}``        wallet -> refunds_pending: the member withdraws,
                                            one per charge refunded; also the refund's own
                                            key (services/withdrawals.py)
``refund:{re}``                             processor_cash -x, refunds_pending +x: the
                                            processor completed our refund; or processor_cash
                                            -x, wallet +x: a refund made outside Streakpot
                                            (services/refund_updates.py)
``refund-failed:{re}``                      refunds_pending -> wallet: failed before success
``refund-reversed:{re}``                    processor_cash +x, wallet -x: failed after success
``refund-refused:{refund key}``             refunds_pending -> wallet: the processor refused
``dispute:{dp}:freeze``                     held (or wallet) -> frozen: a card dispute opened
                                            (services/disputes.py)
``dispute:{dp}:won``                        frozen -> held (or wallet): closed, won
``dispute:{dp}:lost``                       frozen +f, processor_cash -f: closed, lost
``dispute:{dp}:release``                    held -> wallet: won after the challenge ended
``open:{ch}:late-deposits``                 held -> wallet: deposits confirmed after day 0
                                            opened (services/settlement/day_zero.py)
``open:{ch}:early-quits``                   held -> wallet: quit before day 0 opened
``open:{ch}:cancel-refunds``                held -> wallet: too few participants
                                            at day 0, or an organizer cancelled
                                            before it (services/challenges.py)
``settle:{ch}:{k}:rest``                    held -> wallet: s_k for each rest day
``settle:{ch}:{k}:excused``                 held -> wallet: s_k for everyone on an excused day
``settle:{ch}:{k}:misses``                  held -> pot: s_k for each miss that does not
                                            eliminate
``settle:{ch}:{k}:eliminations``            held -> pot: the whole remaining held deposit
``settle:{ch}:{k}:quits``                   held -> pot: the whole remaining held deposit
``settle:{ch}:{k}:winners``                 held -> wallet: s_k for each success, and (when
                                            the pot holds money) pot -> fee revenue and the
                                            winners' wallets: each winner's wallet gets s_k +
                                            its share in ONE posting
``settle:{ch}:{k}:leftovers``               last day: held -> wallet, what is left after the day
``settle:{ch}:{k}:final-split``             last day: pot -> the completed members' wallets
``settle:{ch}:{k}:unclaimed``               last day: pot -> unclaimed revenue (nobody completed)
``payout:{po}:approve``                     wallet -> payouts_pending: a site administrator
                                            approved the payout (services/payouts.py)
``payout:{po}:paid``                        payouts_pending +x, processor_cash -x: the
                                            operator paid it and marked it paid
``payout:{po}:refuse``                      payouts_pending -> wallet: refused after approval
==========================================  ==================================================

``k`` is 0-based as stored; people read it as day k + 1. ``external:{re}`` is the ``refunds``
row key of a refund made outside Streakpot (never a ledger key).

To add a kind of movement: its format in ``KEY_FORMATS`` (and a step in its enum), a builder
next to the others, a row above; if it can touch a wallet, add it to ``WALLET_MOVES`` and give it
a line in ``habits/web/ledger_words.py`` (the wallet-lines test fails until both exist).
"""

from habits.books.codes import (
    CODE_FORMATS,
    AccountSpec,
    CodeKind,
    ParsedCode,
    enrollment_codes,
    fee_code_sql,
    fee_revenue,
    frozen_code_sql,
    frozen_deposit,
    held_code_sql,
    held_deposit,
    member_codes_like,
    open_account,
    parse_code,
    payouts_pending,
    payouts_pending_like,
    pot,
    pot_code_sql,
    processor_cash,
    processor_cash_like,
    refunds_pending,
    unclaimed_revenue,
    wallet,
    wallet_code_sql,
    wallets_like,
)
from habits.books.formats import Format
from habits.books.keys import (
    KEY_FORMATS,
    STEPS,
    WALLET_MOVES,
    DisputeStep,
    KeyKind,
    Move,
    OpenStep,
    ParsedKey,
    PayoutStep,
    SettleStep,
    deposit_key,
    deposit_key_sql,
    dispute_key,
    late_payment_key,
    open_key,
    outside_refund_key,
    parse_key,
    payout_key,
    payout_like,
    quit_before_start_key,
    refund_failed_key,
    refund_key,
    refund_refused_key,
    refund_reversed_key,
    settle_key,
    settle_key_sql,
    settle_like,
    settle_like_sql,
    settle_prefix,
    settle_prefix_sql,
    withdrawal_key,
)

#: the first segment of every code and key format: the guard test looks for these in literals
HEADS: frozenset[str] = frozenset(f.head for f in (*CODE_FORMATS.values(), *KEY_FORMATS.values()))

__all__ = [
    "CODE_FORMATS", "HEADS", "KEY_FORMATS", "STEPS", "WALLET_MOVES", "AccountSpec", "CodeKind",
    "DisputeStep", "Format", "KeyKind", "Move", "OpenStep", "ParsedCode", "ParsedKey", "PayoutStep",
    "SettleStep",
    "deposit_key", "deposit_key_sql", "dispute_key", "enrollment_codes", "fee_code_sql", "fee_revenue",
    "frozen_code_sql", "frozen_deposit", "held_code_sql", "held_deposit", "late_payment_key",
    "member_codes_like", "open_account", "open_key",
    "outside_refund_key", "parse_code", "parse_key", "payout_key", "payout_like", "payouts_pending",
    "payouts_pending_like", "pot", "pot_code_sql", "processor_cash",
    "processor_cash_like", "quit_before_start_key", "refund_failed_key", "refund_key",
    "refund_refused_key", "refund_reversed_key", "refunds_pending", "settle_key", "settle_key_sql",
    "settle_like", "settle_like_sql", "settle_prefix", "settle_prefix_sql", "unclaimed_revenue",
    "wallet", "wallet_code_sql", "wallets_like", "withdrawal_key",
]  # fmt: skip
