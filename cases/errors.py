"""Stable error codes of the cases app (ValidationError.code / API error codes)."""

from enum import StrEnum


class IntakeError(StrEnum):
    EMPTY_FILE = "empty_file"
    UNSUPPORTED_FILE = "unsupported_file"
    FILE_TOO_BIG = "file_too_big"
    TOO_MANY_ROWS = "too_many_rows"
    ZIP_BOMB = "zip_bomb"
    CORRUPT_FILE = "corrupt_file"
    UNKNOWN_ENCODING = "unknown_encoding"
    NO_HEADER = "no_header"
    MISSING_COLUMNS = "missing_columns"
    NO_MAPPING = "no_mapping"
    UNKNOWN_SHOP = "unknown_shop"
    UNKNOWN_PLATFORM = "unknown_platform"
    INACTIVE_SHOP = "inactive_shop"
    SHOP_FORBIDDEN = "shop_forbidden"
    BAD_ROWS = "bad_rows"
    NO_ROWS = "no_rows"
    # row-level
    REQUIRED = "required"
    BAD_RATING = "bad_rating"
    BAD_DATE = "bad_date"
    BAD_AMOUNT = "bad_amount"
    BAD_IP = "bad_ip"
    TOO_LONG = "too_long"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    STALE_PREVIEW = "stale_preview"
