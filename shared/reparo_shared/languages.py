"""The interface languages of every Reparo page, customer's and staff's alike.

Each language is named in itself, so whoever cannot read the page's current language still finds
their own; the switch lists them in this order at the end of the page header, in the customer
pages (gateway) and the staff console (repair_service) alike.
"""

LANGUAGE_NAMES = {"zh-Hans": "中文", "en": "English", "pt-BR": "Português"}
