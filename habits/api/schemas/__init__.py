"""Marshmallow schemas of the API: ``<Thing>Schema`` out, ``<Thing>CreateSchema``/``UpdateSchema`` in."""
