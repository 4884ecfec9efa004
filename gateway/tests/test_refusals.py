"""repair_service's refusals on the customer pages: translated, filled in, English as a fallback."""

from gateway.refusals import refusal_text
from gateway.repair_client import RepairApiError

NOT_WAITING = RepairApiError(
    409,
    "Order R2026-000007 is not waiting for payment",
    message_id="Order {number} is not waiting for payment",
    params={"number": "R2026-000007"},
)


def test_a_refusal_is_translated_and_filled_in() -> None:
    assert refusal_text("zh-Hans", NOT_WAITING) == "工单 R2026-000007 目前不是待付款状态"
    assert (
        refusal_text("pt-BR", NOT_WAITING) == "A ordem R2026-000007 não está aguardando pagamento"
    )
    assert refusal_text("en", NOT_WAITING) == "Order R2026-000007 is not waiting for payment"


def test_an_unknown_template_or_missing_value_falls_back_to_the_english_message() -> None:
    unknown = RepairApiError(409, "Something new happened", message_id="Something new {x}")
    unfilled = RepairApiError(409, "Order R1 is not waiting for payment", NOT_WAITING.message_id)
    plain = RepairApiError(401, "unknown customer")

    assert refusal_text("zh-Hans", unknown) == "Something new happened"
    assert refusal_text("zh-Hans", unfilled) == "Order R1 is not waiting for payment"
    assert refusal_text("zh-Hans", plain) == "unknown customer"


def test_a_validation_error_names_the_form_fields_in_the_page_language() -> None:
    invalid = RepairApiError(
        422,
        "invalid: contact_phone, items.1.sn",
        message_id="Some fields are missing or not valid: {fields}",
        params={"fields": "contact_phone, items.1.sn"},
        problems=[
            {
                "loc": ["body", "contact_phone"],
                "type": "string_too_short",
                "ctx": {"min_length": 5},
            },
            {
                "loc": ["body", "items", 1, "sn"],
                "type": "string_too_short",
                "ctx": {"min_length": 1},
            },
            {"loc": ["body", "courier"], "type": "missing"},
        ],
    )

    assert refusal_text("zh-Hans", invalid) == (
        "电话：至少 5 个字符；产品 2 的序列号 (SN)：必填；快递公司：必填"
    )
    assert refusal_text("en", invalid) == (
        "Phone: at least 5 characters; Serial number (SN) of product 2: required; Courier: required"
    )


def test_a_validation_error_on_a_field_the_pages_do_not_show_uses_the_general_message() -> None:
    invalid = RepairApiError(
        422,
        "invalid: expected_version",
        message_id="Some fields are missing or not valid: {fields}",
        params={"fields": "expected_version"},
        problems=[{"loc": ["body", "expected_version"], "type": "int_parsing"}],
    )

    assert refusal_text("zh-Hans", invalid) == "部分内容缺失或无效：expected_version"


def test_a_refused_product_names_its_number_and_the_field() -> None:
    invalid = RepairApiError(
        422,
        "invalid",
        problems=[
            {"loc": ["body", "items", 0, "pn"], "type": "string_too_short", "ctx": {}},
            {"loc": ["body", "items", 1, "fault_description"], "type": "missing"},
            {"loc": ["body", "items", 2, "attachments", 0, "key"], "type": "missing"},
            {"loc": ["body", "items", 3], "type": "model_attributes_type"},
        ],
    )

    assert refusal_text("en", invalid) == (
        "Part number (PN) of product 1: required; Fault of product 2: required; "
        "Photos and videos of product 3: required; Product 4: not valid"
    )
    assert refusal_text("zh-Hans", invalid).startswith(
        "产品 1 的产品型号 (PN)：必填；产品 2 的故障描述"
    )


def test_a_field_with_control_characters_says_so_rather_than_just_not_valid() -> None:
    invalid = RepairApiError(
        422,
        "invalid",
        problems=[{"loc": ["body", "items", 0, "sn"], "type": "text_control_character"}],
    )

    assert refusal_text("en", invalid) == (
        "Serial number (SN) of product 1: contains invisible control characters"
    )
    assert refusal_text("zh-Hans", invalid) == "产品 1 的序列号 (SN)：包含不可见的控制字符"
