"""The staff console: server-rendered pages under ``/console/`` with htmx for partial updates.

Routes stay thin: load, authorise, call the domain function, render. The console owns no tables;
what it reads beyond the domain selectors lives in ``queries.py``.
"""
