"""Order labels: a print layout in HTML (sized with ``@page``) and the same label as a PDF."""

from io import BytesIO
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from repair_service.console.auth import ConsoleStaff
from repair_service.console.qr import public_url, qr_svg
from repair_service.console.settings import get_console_settings
from repair_service.console.templating import render
from repair_service.deps import SessionDep
from repair_service.orders import selectors
from repair_service.orders.schemas import StaffOrderPublic

router = APIRouter(include_in_schema=False)

Size = Literal["60x40", "100x70"]
SIZES: dict[str, tuple[int, int]] = {"60x40": (60, 40), "100x70": (100, 70)}
CJK_FONT = (
    "STSong-Light"  # a CID font every PDF reader has: Chinese product names need no embedding
)
pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _link(order: StaffOrderPublic) -> str | None:
    if not order.public_token:
        return None
    return public_url(get_console_settings().gateway_public_url, order.public_token)


@router.get("/orders/{order_id}/label")
def label(
    order_id: int, request: Request, user: ConsoleStaff, session: SessionDep, size: Size = "60x40"
) -> HTMLResponse:
    """The label as a page to print; the browser's print dialog picks up the ``@page`` size."""
    order = selectors.staff_order_detail(session, user.actor, order_id)
    link = _link(order)
    width, height = SIZES[size]
    return render(
        request,
        "label.html",
        {"order": order, "qr": qr_svg(link) if link else None, "width": width, "height": height},
        user=user,
    )


@router.get("/orders/{order_id}/label.pdf")
def label_pdf(
    order_id: int, user: ConsoleStaff, session: SessionDep, size: Size = "60x40"
) -> Response:
    """The label as a one-page PDF of exactly the label's size."""
    order = selectors.staff_order_detail(session, user.actor, order_id)
    width, height = SIZES[size]
    return Response(
        draw_label(order, _link(order), width * mm, height * mm),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{order.number}-{size}.pdf"'},
    )


def draw_label(order: StaffOrderPublic, link: str | None, width: float, height: float) -> bytes:
    """Text on the left (number, PN, product, SN), the QR code of the public page on the right."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(order.number)
    margin = 2.5 * mm
    qr_side = min(height - 2 * margin, width * 0.45)
    if link:
        widget = QrCodeWidget(link, barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(
            qr_side, qr_side, transform=[qr_side / (x1 - x0), 0, 0, qr_side / (y1 - y0), 0, 0]
        )
        drawing.add(widget)
        renderPDF.draw(drawing, canvas, width - margin - qr_side, (height - qr_side) / 2)
    scale = height / (40 * mm)
    lines = [
        ("Helvetica-Bold", 11 * scale, order.number),
        ("Helvetica", 7 * scale, f"PN {order.pn}"),
        (CJK_FONT, 7 * scale, (order.product_name or "")[:24]),
        ("Helvetica", 7 * scale, f"SN {order.sn}"),
    ]
    y = height - margin - 10 * scale
    for font, font_size, text in lines:
        if text:
            canvas.setFont(font, font_size)
            canvas.drawString(margin, y, text)
        y -= font_size * 1.6
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
