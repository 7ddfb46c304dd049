"""Publish a city's annual reform-assessment results as a static bulletin site."""

__version__ = "0.1.0"
