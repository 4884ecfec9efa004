"""Sign-in, sign-out, throttling, CSRF and sessions."""

from sqlmodel import Session, select

from repair_service.staff.models import StaffSession

from ..conftest import World
from .conftest import Console


def test_staff_member_signs_in_with_name_and_password_and_sees_the_board(console) -> None:
    person: Console = console()
    response = person.sign_in("review")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/"
    cookies = response.headers.get_list("set-cookie")
    session_cookies = [c for c in cookies if c.startswith("reparo_staff_session=")]
    assert {c.split("Path=")[1].split(";")[0] for c in session_cookies} == {
        "/console",
        "/api/repair",
    }
    assert all("HttpOnly" in c and "SameSite=lax" in c for c in session_cookies)
    board = person.get("/console/")
    assert board.status_code == 200
    assert "Review" in board.text


def test_console_cookie_also_authenticates_the_staff_api(console) -> None:
    person: Console = console("review")
    me = person.get("/api/repair/staff/me")
    assert me.status_code == 200
    assert me.json()["username"] == "review"


def test_visitor_without_session_is_sent_to_sign_in(console) -> None:
    response = console().get("/console/orders/1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")


def test_wrong_password_is_refused_with_a_message(console) -> None:
    response = console().sign_in("review", "not the password")
    assert response.status_code == 401
    assert 'data-test="login-error"' in response.text


def test_five_failures_for_one_account_and_ip_lock_sign_in_with_429(console) -> None:
    person: Console = console()
    for _ in range(5):
        assert person.sign_in("finance", "wrong").status_code == 401

    locked = person.sign_in("finance")  # even the right password now waits
    assert locked.status_code == 429
    assert "15" in locked.text
    assert console().sign_in("review").status_code == 303  # other accounts are unaffected


def test_sign_in_form_without_csrf_token_is_refused(console, world: World) -> None:
    person: Console = console()
    person.get("/console/login")
    response = person.client.post(
        "/console/login", data={"username": "review", "password": "x", "csrf_token": "forged"}
    )
    assert response.status_code == 403
    with Session(world.engine) as session:
        assert session.exec(select(StaffSession)).first() is None


def test_post_without_csrf_token_is_refused_and_changes_nothing(console, world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    person: Console = console("review")
    version = person.version_on_page(order_id, "reject")

    response = person.client.post(
        f"/console/orders/{order_id}/actions/reject",
        data={"expected_version": version, "comment": "no", "csrf_token": "wrong"},
    )

    assert response.status_code == 403
    assert world.order(order_id)["status"] == "open"


def test_csrf_token_in_htmx_header_is_accepted(console, world: World) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    person: Console = console("review")
    version = person.version_on_page(order_id, "reject")

    response = person.client.post(
        f"/console/orders/{order_id}/actions/reject",
        data={"expected_version": version, "comment": "not ours"},
        headers={"X-CSRF-Token": person.csrf, "HX-Request": "true"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert world.order(order_id)["status"] == "rejected"


def test_one_person_signed_in_on_two_devices_keeps_both_sessions(console) -> None:
    phone: Console = console("qc")
    desktop: Console = console("qc")
    assert phone.get("/console/").status_code == 200
    assert desktop.get("/console/").status_code == 200

    desktop.post("/console/logout")

    assert phone.get("/console/").status_code == 200
    assert desktop.get("/console/", follow_redirects=False).status_code == 303


def test_staff_api_write_signed_in_by_the_console_cookie_needs_the_csrf_header(
    console, world: World
) -> None:
    from repair_service.files.models import UploadedFile

    person: Console = console("logistics")
    upload = {"content": b"%PDF-1.4\n%%EOF\n", "headers": {"X-File-Name": "a.pdf"}}

    forged = person.client.put("/api/repair/files", **upload)  # what another site could send
    vouched = person.client.put(
        "/api/repair/files",
        content=upload["content"],
        headers={**upload["headers"], "X-CSRF-Token": person.csrf},
    )

    assert forged.status_code == 403
    assert vouched.status_code == 201, vouched.text
    with Session(world.engine) as session:
        assert len(session.exec(select(UploadedFile)).all()) == 1


def test_unknown_console_paths_and_malformed_ids_get_the_console_error_page(console) -> None:
    person: Console = console("review")
    for path in ("/console/nope", "/console/orders/abc"):
        response = person.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert 'data-test="error">未找到。</p>' in response.text, path
    assert person.get("/api/repair/nope").json() == {"detail": "Not Found"}
