"""Ledger tables (accounts, transactions, postings) arrive with the ledger issue."""
