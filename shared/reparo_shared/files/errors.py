"""Domain errors of file handling.

Every refusal of an upload is a ``FileRejected`` with a stable ``code`` and a message a customer can
read; the web helpers map each class to its HTTP status (see ``reparo_shared.files.web``).
"""

from reparo_shared.files.kinds import FileKind


class FileRejected(Exception):
    """An upload we will not store; ``str(error)`` is safe to show to the uploader."""

    code = "file_rejected"


class FileTooLarge(FileRejected):
    """The upload is bigger than the limit for its kind (or than every allowed kind's limit)."""

    code = "file_too_large"

    def __init__(self, limit_bytes: int, kind: FileKind | None = None) -> None:
        self.limit_bytes = limit_bytes
        self.kind = kind
        what = f"{kind.value} files" if kind else "uploads"
        super().__init__(f"The file is too large: {what} may be at most {_megabytes(limit_bytes)}.")


class UnsupportedFile(FileRejected):
    """The content is not one of the kinds accepted here, whatever its name claims."""

    code = "unsupported_file"


class CorruptFile(FileRejected):
    """The content looks like an accepted kind but cannot be read (truncated, damaged)."""

    code = "corrupt_file"


class ImageTooLarge(FileRejected):
    """The image has more pixels than we decode; small files can expand enormously (a bomb)."""

    code = "image_too_many_pixels"

    def __init__(self, max_pixels: int, size: tuple[int, int] | None = None) -> None:
        self.max_pixels = max_pixels
        self.size = size
        shown = f"{size[0]}x{size[1]} pixels" if size else "too many pixels"
        super().__init__(
            f"The image has {shown}; at most {max_pixels / 1_000_000:g} megapixels are accepted."
        )


class MalformedUpload(FileRejected):
    """The request does not carry an upload the way the endpoint expects it."""

    code = "malformed_upload"


class StoredFileMissing(LookupError):
    """No stored object has this key (deleted, or never written)."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no stored file with key {key!r}")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"
