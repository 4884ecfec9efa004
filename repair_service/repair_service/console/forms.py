"""Console form problems as sentences staff can read, in their language.

A console form is checked by the same pydantic schema as the API; pydantic's own messages
(``String should have at least 10 characters``) are English and name fields by their code. Here
each problem becomes one of a few templates naming the field by the label the form shows.
"""

from typing import Any

from pydantic import ValidationError

from repair_service.console.i18n import translate

# The label each form shows next to a field (English, as the templates write it).
FIELD_LABELS: dict[str, str] = {
    "username": "Sign-in name",
    "display_name": "Display name",
    "password": "Password",
    "role": "Role",
    "team_ids": "Teams",
    "code": "Code",
    "name": "Name",
    "label": "Label",
    "contact_name": "Contact",
    "phone": "Phone",
    "address": "Address",
}

# Sentences for pydantic's error types; any other type gets the last, general one.
PROBLEM_TEXTS: dict[str, str] = {
    "string_too_short": "“{field}” needs at least {min} characters.",
    "string_too_long": "“{field}” may have at most {max} characters.",
    "string_pattern_mismatch": "“{field}” contains characters that are not allowed here.",
    "text_control_character": "“{field}” contains characters that are not allowed here.",
    "missing": "Please fill in “{field}”.",
    "enum": "Pick one of the offered choices for “{field}”.",
}
OTHER_PROBLEM = "“{field}” is not valid."


def _values(problem: Any) -> dict[str, Any]:
    context = problem.get("ctx") or {}
    return {
        "min": context.get("min_length", ""),
        "max": context.get("max_length", ""),
    }


def problem_sentences(language: str, error: ValidationError) -> str:
    """Every problem of ``error`` as a translated sentence naming the field by its label."""
    sentences = []
    for problem in error.errors():
        code = str(problem["loc"][0]) if problem["loc"] else ""
        label = translate(language, FIELD_LABELS.get(code, code))
        template = PROBLEM_TEXTS.get(problem["type"], OTHER_PROBLEM)
        values = {key: v for key, v in _values(problem).items() if "{" + key + "}" in template}
        sentences.append(translate(language, template, field=label, **values))
    return " ".join(dict.fromkeys(sentences))
