"""The document model: Wagtail's, refusing web pages and scripts at upload."""

from wagtail.documents.models import AbstractDocument, Document

from reparo_cms.content.files import (
    refuse_oversized,
    refuse_page_or_script,
    refuse_stored_page_or_script,
)


class ContentDocument(AbstractDocument):
    """Software files, videos and manuals editors upload."""

    admin_form_fields = Document.admin_form_fields

    def clean(self) -> None:
        super().clean()
        if self.file:
            refuse_oversized(self.file.name, self.file.size)
            if self.file._committed:  # already stored: read its head, not the whole file
                refuse_stored_page_or_script(self.file)
            else:
                refuse_page_or_script(self.file.name, self.file)
