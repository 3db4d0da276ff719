"""PostgreSQL guards in depth, as SQL text.

The same statements run from ``metadata.create_all()`` (attached to the tables below) and from
the migration that creates the ledger (copied there as literal text, so old revisions never
change when this file does).

- ``ledger_postings_balanced``: after every INSERT statement into ledger_postings, each
  transaction it touched must sum to zero. The library writes all legs of a transaction in one
  statement, so this also refuses a posting slipped into an old transaction behind its back.
- ``ledger_transactions_balanced``: a DEFERRED constraint trigger: at COMMIT every transaction
  created must have postings that sum to zero (an empty transaction is refused too).
- ``ledger_*_append_only``: UPDATE and DELETE are refused on postings and transactions.
  TRUNCATE (test clean-up, operator restores) is a separate event and stays possible.
"""

from __future__ import annotations

CREATE_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION ledger_postings_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad RECORD;
BEGIN
  SELECT p.transaction_id AS id, SUM(p.amount_minor) AS total INTO bad
    FROM ledger_postings p
   WHERE p.transaction_id IN (SELECT DISTINCT transaction_id FROM new_postings)
   GROUP BY p.transaction_id
  HAVING SUM(p.amount_minor) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced by %', bad.id, bad.total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$
""",
    """
CREATE OR REPLACE FUNCTION ledger_transactions_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n BIGINT; total NUMERIC;
BEGIN
  SELECT COUNT(*), COALESCE(SUM(amount_minor), 0) INTO n, total
    FROM ledger_postings WHERE transaction_id = NEW.id;
  IF n = 0 OR total <> 0 THEN
    RAISE EXCEPTION 'ledger transaction % (%) has % postings summing to %', NEW.id, NEW.key, n, total
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$
""",
    """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused; post a correcting transaction',
    TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$
""",
]

POSTINGS_TRIGGERS = [
    """
CREATE TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT
EXECUTE FUNCTION ledger_postings_check_balanced()
""",
    """
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
""",
]

TRANSACTIONS_TRIGGERS = [
    """
CREATE CONSTRAINT TRIGGER ledger_transactions_balanced AFTER INSERT ON ledger_transactions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transactions_check_balanced()
""",
    """
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()
""",
]

DROP_ALL = [
    "DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings",
    "DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings",
    "DROP TRIGGER IF EXISTS ledger_transactions_balanced ON ledger_transactions",
    "DROP TRIGGER IF EXISTS ledger_transactions_append_only ON ledger_transactions",
    "DROP FUNCTION IF EXISTS ledger_postings_check_balanced()",
    "DROP FUNCTION IF EXISTS ledger_transactions_check_balanced()",
    "DROP FUNCTION IF EXISTS ledger_refuse_change()",
]


def execute(connection, statements) -> None:
    """Run DDL through the raw DBAPI cursor with no parameters, so the '%' of PL/pgSQL's RAISE
    formats is not read as a placeholder (SQLAlchemy's exec_driver_sql passes a parameter tuple)."""
    cursor = connection.connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()
