"""zh-hans input formats that parse: Django's ``%Y年%n月%j日`` is not a strptime format
(``%n`` and ``%j`` are not month and day), so "2026年2月13日" was refused as 输入一个有效的日期.
Only the input formats are replaced; the display formats stay Django's (2026年2月13日)."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-02-13 (strptime takes 2026-2-3 too)
    "%Y/%m/%d",  # 2026/02/13
    "%Y年%m月%d日",  # 2026年2月13日
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
]
