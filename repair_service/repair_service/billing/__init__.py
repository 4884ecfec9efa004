"""Payments (WeChat Pay or offline) covering agreed orders of a request, and their invoices."""
