"""Importing the official account's published articles into article pages.

An editor registers the account (its AppID; the secret stays in the server's environment) with a
schedule, a target category and whether imported pages go live or stay drafts. The cms worker
(``manage.py run_scheduler``) runs due imports; an editor can also start one at once or import a
single article by its URL. Every run is an ``ImportRun`` row the admin lists while it runs.
"""
