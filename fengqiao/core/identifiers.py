"""Identifiers a payer gives at intake: 公民身份号码, 统一社会信用代码 and 手机号码.

Pure functions, no models. Each kind has

* ``normalize_*`` — turn what a clerk typed or pasted into the canonical form (full-width
  characters folded to ASCII, spaces and other separators removed, letters upper-cased);
* ``validate_*`` — normalise, check every rule of the standard, and return the canonical
  value or raise :class:`~django.core.exceptions.ValidationError` whose Chinese message names
  the field and says exactly what is wrong, with a stable ``code``;
* a deconstructible validator class for model and form fields;
* ``mask_*`` — the form shown where the full number is not needed (ID and phone numbers are
  sensitive personal information under PIPL and are kept confidential, 五(三)).

Sources: GB 11643-1999《公民身份号码》, GB/T 2260《中华人民共和国行政区划代码》,
GB 32100-2015《法人和其他组织统一社会信用代码编码规则》, and the numbering plan for
mobile networks (1 followed by 3–9). ``docs/identifiers.md`` summarises the rules.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

__all__ = [
    "MOBILE_LABEL",
    "RESIDENT_ID_LABEL",
    "SOCIAL_CREDIT_CODE_LABEL",
    "MobileValidator",
    "ResidentIdValidator",
    "SocialCreditCodeValidator",
    "mask_mobile",
    "mask_resident_id",
    "mask_social_credit_code",
    "normalize_mobile",
    "normalize_resident_id",
    "normalize_social_credit_code",
    "resident_id_birth_date",
    "resident_id_check_char",
    "resident_id_sex",
    "social_credit_check_char",
    "validate_mobile",
    "validate_resident_id",
    "validate_social_credit_code",
]

if TYPE_CHECKING:
    from typing import TypeAlias

    from django_stubs_ext import StrOrPromise

    Label: TypeAlias = StrOrPromise

RESIDENT_ID_LABEL = _("公民身份号码")
SOCIAL_CREDIT_CODE_LABEL = _("统一社会信用代码")
MOBILE_LABEL = _("手机号码")

# Birth dates are judged against the calendar day in the county, not the server's zone.
_LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_WHITESPACE = re.compile(r"\s+")


def _fold(value: object) -> str:
    """NFKC-fold full-width digits, letters and spaces to ASCII and drop all whitespace."""
    text = "" if value is None else str(value)
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def _error(message: StrOrPromise, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params)


# ---------------------------------------------------------------------------------------------
# 公民身份号码 — GB 11643-1999
# ---------------------------------------------------------------------------------------------

RESIDENT_ID_LENGTH = 18
RESIDENT_ID_LEGACY_LENGTH = 15

# GB 11643-1999 §4 (校验码): W_i = 2^(i-1) mod 11 for i = 18 … 2, i.e. these weights for
# positions 1 … 17; the remainder of the weighted sum mod 11 indexes this string.
RESIDENT_ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"

# GB/T 2260 province-level codes (the first two digits of the 地址码). 71 台湾, 81 香港,
# 82 澳门; 83 is used in the 地址码 of 港澳台居民居住证 for Taiwan residents (830000), which
# follow the same number rules since 2018.
PROVINCE_CODES: frozenset[str] = frozenset(
    {
        *(str(n) for n in range(11, 16)),  # 北京 天津 河北 山西 内蒙古
        *(str(n) for n in range(21, 24)),  # 辽宁 吉林 黑龙江
        *(str(n) for n in range(31, 38)),  # 上海 江苏 浙江 安徽 福建 江西 山东
        *(str(n) for n in range(41, 47)),  # 河南 湖北 湖南 广东 广西 海南
        *(str(n) for n in range(50, 55)),  # 重庆 四川 贵州 云南 西藏
        *(str(n) for n in range(61, 66)),  # 陕西 甘肃 青海 宁夏 新疆
        "71",
        "81",
        "82",
        "83",
    }
)

_EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)

Sex = Literal["male", "female"]


def resident_id_check_char(first17: str) -> str:
    """The 校验码 of GB 11643-1999 §4 for the first 17 characters (本体码).

    ∑(a_i × W_i) mod 11 over positions 1 … 17 indexes "10X98765432". Raises ``ValueError``
    unless ``first17`` is exactly 17 ASCII digits.
    """
    if len(first17) != RESIDENT_ID_LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 digits, got {first17!r}")
    total = sum(int(ch) * w for ch, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def normalize_resident_id(value: object) -> str:
    """Canonical form of a 公民身份号码: full-width folded, spaces removed, ``x`` → ``X``.

    Does not validate; an empty or malformed value comes back folded but otherwise as given.
    """
    return _fold(value).upper()


def _today() -> datetime.date:
    return datetime.datetime.now(_LOCAL_TZ).date()


def validate_resident_id(
    value: object,
    *,
    field_label: Label = RESIDENT_ID_LABEL,
    today: datetime.date | None = None,
) -> str:
    """Check a 公民身份号码 against GB 11643-1999 and return it normalised.

    §4 structure: 6-digit 地址码 (GB/T 2260), 8-digit 出生日期码 (YYYYMMDD), 3-digit 顺序码
    (odd for men, even for women) and one 校验码 (0–9 or X). Checked in this order, the
    first failure raised:

    ``required``     nothing given;
    ``length``       not 18 characters (a 15-character number is the pre-1999 form and is
                     refused with a message asking for the 18-character number);
    ``charset``      positions 1–17 not digits, or position 18 neither a digit nor X;
    ``region``       the first two digits are not a GB/T 2260 province-level code;
    ``birth_date``   not a real calendar date, before 1900-01-01, or after ``today``
                     (default: today in Asia/Shanghai);
    ``check_digit``  position 18 differs from :func:`resident_id_check_char`.
    """
    label = field_label
    number = normalize_resident_id(value)

    if not number:
        raise _error(_("请填写%(label)s"), "required", label=label)
    if len(number) == RESIDENT_ID_LEGACY_LENGTH and number.isascii() and number.isdigit():
        raise _error(
            _("%(label)s应为18位，实际为15位；15位旧号码已停止使用，请填写18位号码"),
            "length",
            label=label,
        )
    if len(number) != RESIDENT_ID_LENGTH:
        raise _error(_("%(label)s应为18位，实际为%(length)d位"), "length", label=label, length=len(number))
    for position, ch in enumerate(number[:17], start=1):
        if not ("0" <= ch <= "9"):
            raise _error(
                _("%(label)s第%(position)d位应为数字，实际为“%(char)s”"),
                "charset",
                label=label,
                position=position,
                char=ch,
            )
    last = number[17]
    if not ("0" <= last <= "9" or last == "X"):
        raise _error(_("%(label)s第18位应为数字或X，实际为“%(char)s”"), "charset", label=label, char=last)

    province = number[:2]
    if province not in PROVINCE_CODES:
        raise _error(
            _("%(label)s前两位 %(province)s 不是有效的省级行政区划代码"),
            "region",
            label=label,
            province=province,
        )

    birth_text = number[6:14]
    try:
        birth = datetime.date(int(birth_text[:4]), int(birth_text[4:6]), int(birth_text[6:]))
    except ValueError:
        raise _error(
            _("%(label)s中的出生日期 %(date)s 不是有效日期"),
            "birth_date",
            label=label,
            date=birth_text,
        ) from None
    if birth < _EARLIEST_BIRTH_DATE:
        raise _error(
            _("%(label)s中的出生日期 %(date)s 早于1900年"),
            "birth_date",
            label=label,
            date=birth_text,
        )
    if birth > (today or _today()):
        raise _error(
            _("%(label)s中的出生日期 %(date)s 晚于今天"),
            "birth_date",
            label=label,
            date=birth_text,
        )

    expected = resident_id_check_char(number[:17])
    if last != expected:
        raise _error(
            _("%(label)s第18位校验码应为 %(expected)s，实际为 %(actual)s"),
            "check_digit",
            label=label,
            expected=expected,
            actual=last,
        )
    return number


def resident_id_birth_date(resident_id: str) -> datetime.date:
    """The 出生日期码 (positions 7–14) of a valid 公民身份号码 as a date.

    Raises ``ValidationError`` if the number is not valid.
    """
    number = validate_resident_id(resident_id)
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def resident_id_sex(resident_id: str) -> Sex:
    """Sex from the 顺序码 (positions 15–17): odd for men, even for women (GB 11643-1999 §5.3).

    Raises ``ValidationError`` if the number is not valid.
    """
    number = validate_resident_id(resident_id)
    return "male" if int(number[16]) % 2 else "female"


# ---------------------------------------------------------------------------------------------
# 统一社会信用代码 — GB 32100-2015
# ---------------------------------------------------------------------------------------------

SOCIAL_CREDIT_CODE_LENGTH = 18

# GB 32100-2015 §4 代码字符集: digits and upper-case Latin letters without I, O, Z, S, V;
# each character's value is its index here.
SOCIAL_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SOCIAL_CREDIT_VALUES = {ch: i for i, ch in enumerate(SOCIAL_CREDIT_CHARS)}

# GB 32100-2015 §5 校验码: W_i = 3^(i-1) mod 31 for positions 1 … 17.
SOCIAL_CREDIT_WEIGHTS: tuple[int, ...] = (
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
)  # fmt: skip


def social_credit_check_char(first17: str) -> str:
    """The 校验码 of GB 32100-2015 for the first 17 characters.

    C18 = 31 − (∑ C_i × W_i mod 31), with 31 written as 0, then mapped back to a character.
    Raises ``ValueError`` unless ``first17`` is 17 characters of the code's character set.
    """
    if len(first17) != SOCIAL_CREDIT_CODE_LENGTH - 1 or any(ch not in _SOCIAL_CREDIT_VALUES for ch in first17):
        raise ValueError(f"need 17 characters of {SOCIAL_CREDIT_CHARS}, got {first17!r}")
    total = sum(_SOCIAL_CREDIT_VALUES[ch] * w for ch, w in zip(first17, SOCIAL_CREDIT_WEIGHTS, strict=True))
    return SOCIAL_CREDIT_CHARS[(31 - total % 31) % 31]


def normalize_social_credit_code(value: object) -> str:
    """Canonical form of a 统一社会信用代码: full-width folded, spaces removed, upper case."""
    return _fold(value).upper()


def validate_social_credit_code(value: object, *, field_label: Label = SOCIAL_CREDIT_CODE_LABEL) -> str:
    """Check a 统一社会信用代码 against GB 32100-2015 and return it normalised.

    §4 structure: 登记管理部门代码 (1), 机构类别代码 (1), 登记管理机关行政区划码 (6 digits),
    主体标识码 / 组织机构代码 (9), 校验码 (1). Checked in this order:

    ``required``     nothing given;
    ``length``       not 18 characters;
    ``charset``      a character outside 0–9 and A–Y without I, O, Z, S, V;
    ``region``       positions 3–8 (the registering authority's region code) not all digits;
    ``check_digit``  position 18 differs from :func:`social_credit_check_char`.
    """
    label = field_label
    code = normalize_social_credit_code(value)

    if not code:
        raise _error(_("请填写%(label)s"), "required", label=label)
    if len(code) != SOCIAL_CREDIT_CODE_LENGTH:
        raise _error(_("%(label)s应为18位，实际为%(length)d位"), "length", label=label, length=len(code))
    for position, ch in enumerate(code, start=1):
        if ch not in _SOCIAL_CREDIT_VALUES:
            raise _error(
                _("%(label)s第%(position)d位“%(char)s”不是允许的字符（只用数字和除I、O、Z、S、V以外的大写字母）"),
                "charset",
                label=label,
                position=position,
                char=ch,
            )
    region = code[2:8]
    if not region.isdigit():
        raise _error(
            _("%(label)s第3至8位（登记管理机关行政区划码）应为数字，实际为 %(region)s"),
            "region",
            label=label,
            region=region,
        )
    expected = social_credit_check_char(code[:17])
    if code[17] != expected:
        raise _error(
            _("%(label)s第18位校验码应为 %(expected)s，实际为 %(actual)s"),
            "check_digit",
            label=label,
            expected=expected,
            actual=code[17],
        )
    return code


# ---------------------------------------------------------------------------------------------
# 手机号码
# ---------------------------------------------------------------------------------------------

MOBILE_LENGTH = 11
# Country code forms a clerk may paste: +86 138…, 0086 138…, 86 138….
_COUNTRY_PREFIXES = ("+86", "0086", "86")
_MOBILE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―()（）]")


def normalize_mobile(value: object) -> str:
    """Canonical form of a 手机号码: 11 digits, no country code, spaces, hyphens or brackets.

    ``+86``, ``0086`` and ``86`` are stripped only when what follows is 11 characters long,
    so a mistyped 13-digit number is not silently shortened into a different valid one.
    """
    text = _MOBILE_SEPARATORS.sub("", unicodedata.normalize("NFKC", "" if value is None else str(value)))
    for prefix in _COUNTRY_PREFIXES:
        if text.startswith(prefix) and len(text) - len(prefix) == MOBILE_LENGTH:
            return text[len(prefix) :]
    return text


def validate_mobile(value: object, *, field_label: Label = MOBILE_LABEL) -> str:
    """Check a mainland 手机号码 (11 digits, ``1[3-9]`` then 9 more) and return it normalised.

    ``required`` nothing given; ``charset`` a character other than a digit (after removing
    separators); ``length`` not 11 digits; ``prefix`` not starting 13 … 19.
    """
    label = field_label
    number = normalize_mobile(value)

    if not number:
        raise _error(_("请填写%(label)s"), "required", label=label)
    for ch in number:
        if not ("0" <= ch <= "9"):
            raise _error(_("%(label)s只能包含数字，发现“%(char)s”"), "charset", label=label, char=ch)
    if len(number) != MOBILE_LENGTH:
        raise _error(_("%(label)s应为11位，实际为%(length)d位"), "length", label=label, length=len(number))
    if number[0] != "1" or number[1] not in "3456789":
        raise _error(
            _("%(label)s应以13至19开头，实际以 %(prefix)s 开头"),
            "prefix",
            label=label,
            prefix=number[:2],
        )
    return number


# ---------------------------------------------------------------------------------------------
# Field validators
# ---------------------------------------------------------------------------------------------


class _IdentifierValidator:
    """Base for the field validators: calls ``validate`` with the configured field label."""

    default_label: Label

    if TYPE_CHECKING:

        def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]: ...

    def __init__(self, field_label: Label | None = None) -> None:
        self.field_label = field_label

    @property
    def label(self) -> Label:
        return self.field_label if self.field_label is not None else self.default_label

    def validate(self, value: object, label: Label) -> str:
        raise NotImplementedError

    def __call__(self, value: object) -> None:
        self.validate(value, self.label)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _IdentifierValidator) or type(self) is not type(other):
            return NotImplemented
        return self.field_label == other.field_label

    def __hash__(self) -> int:
        return hash((type(self), str(self.field_label)))


@deconstructible(path="fengqiao.core.identifiers.ResidentIdValidator")
class ResidentIdValidator(_IdentifierValidator):
    """Field validator for a 公民身份号码 (GB 11643-1999); see :func:`validate_resident_id`.

    The field should store the normalised value; clean it with ``normalize_resident_id``.
    """

    default_label = RESIDENT_ID_LABEL

    def validate(self, value: object, label: Label) -> str:
        return validate_resident_id(value, field_label=label)


@deconstructible(path="fengqiao.core.identifiers.SocialCreditCodeValidator")
class SocialCreditCodeValidator(_IdentifierValidator):
    """Field validator for a 统一社会信用代码 (GB 32100-2015); see
    :func:`validate_social_credit_code`."""

    default_label = SOCIAL_CREDIT_CODE_LABEL

    def validate(self, value: object, label: Label) -> str:
        return validate_social_credit_code(value, field_label=label)


@deconstructible(path="fengqiao.core.identifiers.MobileValidator")
class MobileValidator(_IdentifierValidator):
    """Field validator for a 手机号码; see :func:`validate_mobile`."""

    default_label = MOBILE_LABEL

    def validate(self, value: object, label: Label) -> str:
        return validate_mobile(value, field_label=label)


# ---------------------------------------------------------------------------------------------
# Masking for display (五(三): personal information kept confidential)
# ---------------------------------------------------------------------------------------------


def _mask(text: str, keep_start: int, keep_end: int) -> str:
    """Replace the middle with ``*``, keeping the length; too short a value is masked whole."""
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask_resident_id(value: object) -> str:
    """公民身份号码 for display: first 4 (province and city) and last 4 kept.

    ``150525199001011234`` → ``1505**********1234`` (18 characters, birth date hidden).
    """
    return _mask(normalize_resident_id(value), 4, 4)


def mask_mobile(value: object) -> str:
    """手机号码 for display: first 3 and last 4 kept, ``13812345678`` → ``138****5678``."""
    return _mask(normalize_mobile(value), 3, 4)


def mask_social_credit_code(value: object) -> str:
    """统一社会信用代码 for display: first 6 and last 4 kept."""
    return _mask(normalize_social_credit_code(value), 6, 4)


def mask_contact(value: object) -> str:
    """A delivery address or number for display (五(三)): a mobile number as ``mask_mobile``,
    an e-mail address with its first character and domain, any other address with its first
    six characters (the township or street) and the rest hidden."""
    text = str(value or "").strip()
    if not text:
        return ""
    digits = text.replace(" ", "").replace("-", "")
    if digits.isdigit() and len(digits) == 11:
        return _mask(digits, 3, 4)
    if "@" in text:
        name, _at, domain = text.partition("@")
        return f"{name[:1]}***@{domain}"
    return text[:6] + "*" * min(max(len(text) - 6, 0), 8)
