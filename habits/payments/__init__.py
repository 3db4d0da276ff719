"""Payments: the only package that imports stripe (gateway, webhooks, handlers)."""
