"""Order labels: a print layout in HTML (sized with ``@page``) and the same label as a PDF."""

from dataclasses import dataclass
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
MARGIN_MM = 2.5
GAP_MM = 2.0
# A bold digit or capital is at most about this many ems wide in the fonts labels use (DejaVu
# Sans Bold, the widest common fallback, draws digits 0.70 em wide); sizing by it keeps the
# order number on one line beside the QR code whatever its length.
BOLD_EM = 0.72


@dataclass(frozen=True)
class LabelLayout:
    """Sizes in millimetres shared by the HTML and PDF labels."""

    qr: float
    text_width: float
    number_font: float
    text_font: float


def label_layout(width: float, height: float, number: str) -> LabelLayout:
    """The QR code's side, the text column's width and the font sizes for one label size;
    the order number shrinks below its usual size only when it would not fit on one line."""
    qr = min(height - 2 * MARGIN_MM, width * 0.45)
    text_width = width - 2 * MARGIN_MM - qr - GAP_MM
    usual = 4 * height / 40
    number_font = min(usual, text_width / (max(len(number), 1) * BOLD_EM))
    return LabelLayout(qr, text_width, round(number_font, 2), round(2.6 * height / 40, 2))


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
        {
            "order": order,
            "qr": qr_svg(link) if link else None,
            "width": width,
            "height": height,
            "layout": label_layout(width, height, order.number),
        },
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
    margin = MARGIN_MM * mm
    layout = label_layout(width / mm, height / mm, order.number)
    qr_side = layout.qr * mm
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
        (
            "Helvetica-Bold",
            _fitted("Helvetica-Bold", 11 * scale, order.number, layout),
            order.number,
        ),
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


def _fitted(font: str, size: float, text: str, layout: LabelLayout) -> float:
    """``size``, or smaller so ``text`` fits the text column on one line."""
    wide = pdfmetrics.stringWidth(text, font, size)
    return min(size, size * layout.text_width * mm / wide) if wide else size
