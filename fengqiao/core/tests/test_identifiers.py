"""Identifier validation: 公民身份号码, 统一社会信用代码, 手机号码 (``fengqiao.core.identifiers``).

Pure functions; no database. Valid examples are either published ones (the GB 11643-1999
example, the GB 32100-2015 example) or built here with the check-character functions, which
are themselves pinned to the published examples first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db.migrations.writer import MigrationWriter

from fengqiao.core.identifiers import (
    MobileValidator,
    ResidentIdValidator,
    SocialCreditCodeValidator,
    mask_contact,
    mask_mobile,
    mask_resident_id,
    mask_social_credit_code,
    normalize_mobile,
    normalize_resident_id,
    normalize_social_credit_code,
    resident_id_birth_date,
    resident_id_check_char,
    resident_id_sex,
    social_credit_check_char,
    validate_mobile,
    validate_resident_id,
    validate_social_credit_code,
)

TODAY = datetime.date(2025, 6, 1)

# GB 11643-1999 gives 11010519491231002X (北京市朝阳区, 1949-12-31, 顺序码 002, woman).
GB11643_EXAMPLE = "11010519491231002X"
# GB 32100-2015 gives 91350100M000100Y43 as its example code.
GB32100_EXAMPLE = "91350100M000100Y43"


def naiman_id(birth: str = "19900101", sequence: str = "123") -> str:
    """A 奈曼旗 (150525) number with the given birth date and 顺序码, check char computed."""
    first17 = f"150525{birth}{sequence}"
    return first17 + resident_id_check_char(first17)


def error_of(func: Callable[..., str], value: object, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(value, **kwargs)
    return info.value


# --- 公民身份号码: check character -----------------------------------------------------------


def test_resident_id_check_char_matches_the_standard_example() -> None:
    """GB 11643-1999 §4 校验码: ∑a_i·W_i mod 11 indexes "10X98765432"; the standard's own
    example 11010519491231002X has check character X."""
    assert resident_id_check_char(GB11643_EXAMPLE[:17]) == "X"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("15052519900101123", "7"),  # sum mod 11 = 4
        ("15052519851118002", "8"),  # sum mod 11 = 5
        ("15052520000229004", "2"),  # sum mod 11 = 10
    ],
)
def test_resident_id_check_char_naiman_examples(first17: str, expected: str) -> None:
    """GB 11643-1999 §4 校验码, worked by hand for 奈曼旗 (150525, DOMAIN.md) numbers."""
    assert resident_id_check_char(first17) == expected


@pytest.mark.parametrize("bad", ["1505251990010112", "150525199001011234", "1505251990010112X"])
def test_resident_id_check_char_needs_17_digits(bad: str) -> None:
    """GB 11643-1999 §4: the 本体码 is 17 digits; anything else is a programming error."""
    with pytest.raises(ValueError):
        resident_id_check_char(bad)


# --- 公民身份号码: valid numbers and normalisation ---------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        GB11643_EXAMPLE,
        "150525199001011237",
        "150525198511180028",
        "150525200002290042",  # 29 February of a leap year
        "810000199408230021",  # 港澳台居民居住证, 香港 81
        "830000200001010018",  # 港澳台居民居住证, 台湾 83
    ],
)
def test_resident_id_valid_numbers_pass(number: str) -> None:
    """GB 11643-1999 §4: 地址码 + 出生日期码 + 顺序码 + 校验码, all consistent."""
    assert validate_resident_id(number, today=TODAY) == number


def test_resident_id_constructed_numbers_pass() -> None:
    """GB 11643-1999 §4: numbers built with our own check function validate, for every 顺序码
    digit (odd and even)."""
    for sequence in ("001", "002", "123", "998", "999"):
        number = naiman_id("19751031", sequence)
        assert validate_resident_id(number, today=TODAY) == number


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("11010519491231002x", GB11643_EXAMPLE),
        ("  11010519491231002X\t", GB11643_EXAMPLE),
        ("１１０１０５１９４９１２３１００２Ｘ", GB11643_EXAMPLE),  # full-width digits and Ｘ
        ("１１０１０５１９４９１２３１００２ｘ", GB11643_EXAMPLE),  # full-width lower-case ｘ
        ("\u3000110105 19491231 002X\u3000", GB11643_EXAMPLE),  # ideographic spaces
    ],
)
def test_resident_id_normalisation(raw: str, normalised: str) -> None:
    """Normalisation: lower-case x is the check character X (GB 11643-1999 §4 writes X);
    full-width characters and spaces from pasted text are folded away."""
    assert normalize_resident_id(raw) == normalised
    assert validate_resident_id(raw, today=TODAY) == normalised


# --- 公民身份号码: each rule refused with its message and code -------------------------------


def test_resident_id_wrong_check_char() -> None:
    """GB 11643-1999 §4 校验码: the 18th character must equal the computed one."""
    err = error_of(validate_resident_id, "110105194912310025", today=TODAY)
    assert err.code == "check_digit"
    assert err.messages == ["公民身份号码第18位校验码应为 X，实际为 5"]


def test_resident_id_wrong_length() -> None:
    """GB 11643-1999 §4: the number has 18 characters."""
    err = error_of(validate_resident_id, "15052519900101123", today=TODAY)
    assert err.code == "length"
    assert err.messages == ["公民身份号码应为18位，实际为17位"]


def test_resident_id_legacy_15_digits_refused() -> None:
    """GB 11643-1999 replaced the 15-digit number (2-digit year, no check character); the
    message asks for the 18-digit one."""
    err = error_of(validate_resident_id, "150525900101123", today=TODAY)
    assert err.code == "length"
    (message,) = err.messages
    assert message.startswith("公民身份号码应为18位，实际为15位")
    assert "15位旧号码" in message
    assert "18位" in message


def test_resident_id_empty() -> None:
    """Nothing given is its own error, not a length of 0."""
    err = error_of(validate_resident_id, "  ", today=TODAY)
    assert err.code == "required"
    assert err.messages == ["请填写公民身份号码"]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1505251990O101123X", "公民身份号码第11位应为数字，实际为“O”"),
        ("15052519900101123Y", "公民身份号码第18位应为数字或X，实际为“Y”"),
        ("X50525199001011237", "公民身份号码第1位应为数字，实际为“X”"),
    ],
)
def test_resident_id_charset(number: str, message: str) -> None:
    """GB 11643-1999 §4: positions 1–17 are digits; the 校验码 is a digit or X."""
    err = error_of(validate_resident_id, number, today=TODAY)
    assert err.code == "charset"
    assert err.messages == [message]


@pytest.mark.parametrize("province", ["00", "10", "16", "24", "38", "47", "55", "66", "72", "91"])
def test_resident_id_bad_region(province: str) -> None:
    """GB 11643-1999 §4.1 地址码 is a GB/T 2260 code; the first two digits must be a
    province-level code (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82, 83)."""
    first17 = f"{province}0525199001011234"[:17]
    err = error_of(validate_resident_id, first17 + resident_id_check_char(first17), today=TODAY)
    assert err.code == "region"
    assert err.messages == [f"公民身份号码前两位 {province} 不是有效的省级行政区划代码"]


@pytest.mark.parametrize("birth", ["20010230", "19990229", "19901301", "19900100", "19900431"])
def test_resident_id_impossible_birth_date(birth: str) -> None:
    """GB 11643-1999 §4.2 出生日期码 is a real calendar date (YYYYMMDD)."""
    err = error_of(validate_resident_id, naiman_id(birth), today=TODAY)
    assert err.code == "birth_date"
    assert err.messages == [f"公民身份号码中的出生日期 {birth} 不是有效日期"]


def test_resident_id_feb_30_in_the_brief_wording() -> None:
    """GB 11643-1999 §4.2: 20260230 (30 February) is not a date."""
    err = error_of(validate_resident_id, naiman_id("20260230"), today=TODAY)
    assert err.messages == ["公民身份号码中的出生日期 20260230 不是有效日期"]


def test_resident_id_future_birth_date() -> None:
    """GB 11643-1999 §4.2: the 出生日期码 is a date of birth, so not after today."""
    err = error_of(validate_resident_id, naiman_id("20250602"), today=TODAY)
    assert err.code == "birth_date"
    assert err.messages == ["公民身份号码中的出生日期 20250602 晚于今天"]
    assert validate_resident_id(naiman_id("20250601"), today=TODAY)  # born today is fine


def test_resident_id_birth_date_before_1900() -> None:
    """Plausibility: no living holder of an 18-digit number was born before 1900."""
    err = error_of(validate_resident_id, naiman_id("18991231"), today=TODAY)
    assert err.code == "birth_date"
    assert err.messages == ["公民身份号码中的出生日期 18991231 早于1900年"]
    assert validate_resident_id(naiman_id("19000101"), today=TODAY)


def test_resident_id_today_is_the_day_in_asia_shanghai() -> None:
    """CONVENTIONS §6: days are Asia/Shanghai days. At 00:30 on 1 January in Shanghai (still
    31 December in UTC) someone born that day is not born in the future."""
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime.datetime(2030, 1, 1, 0, 30, tzinfo=shanghai), tick=False):
        assert validate_resident_id(naiman_id("20300101"))
        err = error_of(validate_resident_id, naiman_id("20300102"))
    assert err.code == "birth_date"


def test_resident_id_field_label_is_used() -> None:
    """CONVENTIONS §7: the message names the field; callers may name it (e.g. 代理人身份证号)."""
    err = error_of(validate_resident_id, "123", field_label="代理人公民身份号码", today=TODAY)
    assert err.messages == ["代理人公民身份号码应为18位，实际为3位"]


def test_resident_id_rules_checked_in_order() -> None:
    """One clear reason at a time: length before charset before region before date before
    check character (a number with a bad date and a bad check char reports the date)."""
    bad_date_and_check = "150525199002300000"
    err = error_of(validate_resident_id, bad_date_and_check, today=TODAY)
    assert err.code == "birth_date"


# --- 公民身份号码: helpers -------------------------------------------------------------------


def test_resident_id_birth_date_and_sex_of_standard_example() -> None:
    """GB 11643-1999 §4.2 出生日期码 and §4.3 顺序码 (odd men, even women)."""
    assert resident_id_birth_date(GB11643_EXAMPLE) == datetime.date(1949, 12, 31)
    assert resident_id_sex(GB11643_EXAMPLE) == "female"  # 002
    assert resident_id_sex("150525199001011237") == "male"  # 123
    assert resident_id_sex("11010519491231002x") == "female"  # normalised first


def test_resident_id_helpers_refuse_invalid_numbers() -> None:
    """The helpers only read valid numbers."""
    with pytest.raises(ValidationError):
        resident_id_birth_date("110105194912310025")
    with pytest.raises(ValidationError):
        resident_id_sex("15052519900230123X")


# --- 统一社会信用代码 ------------------------------------------------------------------------


def test_social_credit_check_char_matches_the_standard_example() -> None:
    """GB 32100-2015 §5 校验码: 31 − (∑C_i·W_i mod 31); the standard's example
    91350100M000100Y43 ends in 3."""
    assert social_credit_check_char(GB32100_EXAMPLE[:17]) == "3"


def test_social_credit_check_char_31_becomes_0() -> None:
    """GB 32100-2015 §5: when ∑C_i·W_i mod 31 is 0 the result 31 is written 0."""
    assert social_credit_check_char("0" * 17) == "0"  # sum 0
    # 9×1 + 2×3 + 1×9 + 5×27 + 0×19 + 5×26 + 2×16 + 5×17 + M(21)×20 + A(10)×29 + 0×25
    # + Q(24)×13 + 0×8 + 0×24 + 0×10 + 2×30 + 0×28 = 1488 = 48 × 31.
    first17 = "92150525MA0Q00020"
    assert social_credit_check_char(first17) == "0"
    assert validate_social_credit_code(first17 + "0") == first17 + "0"


@pytest.mark.parametrize("bad", ["9135010", "91350100M000100Y4O", "91350100M000100Y"])
def test_social_credit_check_char_needs_17_code_chars(bad: str) -> None:
    """GB 32100-2015 §4: the first 17 characters come from the code's character set."""
    with pytest.raises(ValueError):
        social_credit_check_char(bad)


@pytest.mark.parametrize(
    "code",
    [
        GB32100_EXAMPLE,
        # Codes in the published register format, each verified with the algorithm.
        "91110108551385082Q",
        "914403001922038216",
        "91310000717854505W",
        "91440300708461136T",
    ],
)
def test_social_credit_valid_codes_pass(code: str) -> None:
    """GB 32100-2015 §4–5: structure and 校验码 consistent."""
    assert validate_social_credit_code(code) == code


def test_social_credit_constructed_naiman_code_passes() -> None:
    """GB 32100-2015 §4: a 奈曼旗 (150525) enterprise code built with our check function."""
    first17 = "92150525MA0Q12345"  # 9 工商, 2 个体工商户, 150525, 主体标识码
    code = first17 + social_credit_check_char(first17)
    assert validate_social_credit_code(code) == code


def test_social_credit_normalisation() -> None:
    """Normalisation: upper case, full-width folded, spaces removed."""
    assert normalize_social_credit_code(" 91350100m000100y43 ") == GB32100_EXAMPLE
    assert validate_social_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == GB32100_EXAMPLE
    assert validate_social_credit_code("913501 00M000 100Y43") == GB32100_EXAMPLE


def test_social_credit_wrong_check_char() -> None:
    """GB 32100-2015 §5 校验码."""
    err = error_of(validate_social_credit_code, "91350100M000100Y44")
    assert err.code == "check_digit"
    assert err.messages == ["统一社会信用代码第18位校验码应为 3，实际为 4"]


@pytest.mark.parametrize(("code", "length"), [("91350100M000100Y4", 17), ("91350100M000100Y433", 19)])
def test_social_credit_wrong_length(code: str, length: int) -> None:
    """GB 32100-2015 §4: the code has 18 characters."""
    err = error_of(validate_social_credit_code, code)
    assert err.code == "length"
    assert err.messages == [f"统一社会信用代码应为18位，实际为{length}位"]


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_social_credit_letters_not_in_charset(letter: str) -> None:
    """GB 32100-2015 §4 代码字符集 leaves out I, O, Z, S, V (confusable with 1, 0, 2, 5, U)."""
    code = f"91350100M000100{letter}43"
    err = error_of(validate_social_credit_code, code)
    assert err.code == "charset"
    (message,) = err.messages
    assert message.startswith(f"统一社会信用代码第16位“{letter}”不是允许的字符")


def test_social_credit_region_must_be_digits() -> None:
    """GB 32100-2015 §4: positions 3–8 are the 登记管理机关行政区划码 (6 digits, GB/T 2260)."""
    first17 = "913501A0M000100Y4"
    err = error_of(validate_social_credit_code, first17 + social_credit_check_char(first17))
    assert err.code == "region"
    assert err.messages == ["统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字，实际为 3501A0"]


def test_social_credit_empty() -> None:
    """Nothing given is its own error."""
    err = error_of(validate_social_credit_code, None)
    assert err.code == "required"
    assert err.messages == ["请填写统一社会信用代码"]


# --- 手机号码 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "0086-138-1234-5678",
        "138-1234-5678",
        " １３８１２３４５６７８ ",
        "(+86) 138 1234 5678",
    ],
)
def test_mobile_normalisation(raw: str) -> None:
    """手机号码: country code +86/86/0086, spaces, hyphens and full-width digits removed."""
    assert normalize_mobile(raw) == "13812345678"
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize("number", ["13000000000", "15047512345", "16612345678", "19912345678"])
def test_mobile_valid_prefixes(number: str) -> None:
    """手机号码: 1, then 3–9, then 9 digits."""
    assert validate_mobile(number) == number


def test_mobile_12_digits() -> None:
    """手机号码 has 11 digits."""
    err = error_of(validate_mobile, "138123456789")
    assert err.code == "length"
    assert err.messages == ["手机号码应为11位，实际为12位"]


def test_mobile_86_not_stripped_from_wrong_length() -> None:
    """Only a full 11-digit number after 86 is taken as the number: 86 + 10 digits is a
    12-digit error, not a shortened number."""
    err = error_of(validate_mobile, "861381234567")
    assert err.code == "length"


@pytest.mark.parametrize(("number", "prefix"), [("12812345678", "12"), ("10012345678", "10")])
def test_mobile_bad_prefix(number: str, prefix: str) -> None:
    """手机号码 numbers start 13 … 19; 12 and 10 are not mobile numbers."""
    err = error_of(validate_mobile, number)
    assert err.code == "prefix"
    assert err.messages == [f"手机号码应以13至19开头，实际以 {prefix} 开头"]


def test_mobile_landline_refused() -> None:
    """A landline (0475-1234567, 通辽) is not a 手机号码."""
    err = error_of(validate_mobile, "0475-1234567")
    assert err.code == "prefix"


def test_mobile_charset_and_empty() -> None:
    """Only digits remain after separators are removed; nothing given is its own error."""
    err = error_of(validate_mobile, "138l2345678")
    assert err.code == "charset"
    assert err.messages == ["手机号码只能包含数字，发现“l”"]
    err = error_of(validate_mobile, "")
    assert err.code == "required"
    assert err.messages == ["请填写手机号码"]


def test_mobile_field_label() -> None:
    """CONVENTIONS §7: the message names the field."""
    err = error_of(validate_mobile, "1381234567", field_label="联系电话")
    assert err.messages == ["联系电话应为11位，实际为10位"]


# --- Field validators ------------------------------------------------------------------------


def test_validators_accept_and_refuse() -> None:
    """The validator classes run the same rules, with the default or a configured label."""
    ResidentIdValidator()(GB11643_EXAMPLE)
    SocialCreditCodeValidator()(GB32100_EXAMPLE)
    MobileValidator()("13812345678")
    with pytest.raises(ValidationError) as info:
        ResidentIdValidator(field_label="申请人公民身份号码")("110105194912310025")
    assert info.value.code == "check_digit"
    assert info.value.messages == ["申请人公民身份号码第18位校验码应为 X，实际为 5"]
    with pytest.raises(ValidationError) as info:
        SocialCreditCodeValidator()("91350100M000100Y44")
    assert info.value.messages[0].startswith("统一社会信用代码")
    with pytest.raises(ValidationError) as info:
        MobileValidator()("12812345678")
    assert info.value.code == "prefix"


def test_validators_deconstruct_for_migrations() -> None:
    """Validators on model fields must deconstruct and compare equal, or makemigrations
    would write a new migration on every run."""
    validator = ResidentIdValidator(field_label="代理人公民身份号码")
    path, args, kwargs = validator.deconstruct()
    assert path == "fengqiao.core.identifiers.ResidentIdValidator"
    assert kwargs == {"field_label": "代理人公民身份号码"}
    assert ResidentIdValidator(*args, **kwargs) == validator
    assert ResidentIdValidator() != validator
    assert ResidentIdValidator() != MobileValidator()
    assert SocialCreditCodeValidator() == SocialCreditCodeValidator()
    assert MobileValidator().deconstruct()[0] == "fengqiao.core.identifiers.MobileValidator"
    serialised, _imports = MigrationWriter.serialize(validator)
    assert "fengqiao.core.identifiers.ResidentIdValidator" in serialised


# --- Masking (五(三): personal information kept confidential) --------------------------------


def test_mask_resident_id() -> None:
    """Display form keeps the first 4 (province, city) and last 4; the length stays 18."""
    assert mask_resident_id("150525199001011234") == "1505**********1234"
    assert mask_resident_id("11010519491231002x") == "1101**********002X"


def test_mask_mobile() -> None:
    """Display form keeps the first 3 and last 4."""
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138-1234-5678") == "138****5678"


def test_mask_contact() -> None:
    """A delivery address or number (五(三)): a mobile as a mobile, an e-mail keeps its first
    character and domain, an address its first six characters."""
    assert mask_contact("138 1234 5678") == "138****5678"
    assert mask_contact("zhang.san@example.cn") == "z***@example.cn"
    assert mask_contact("大沁他拉镇团结路8号院3单元") == "大沁他拉镇团********"
    assert mask_contact("") == ""


def test_mask_social_credit_code() -> None:
    """Display form keeps the first 6 and last 4."""
    assert mask_social_credit_code(GB32100_EXAMPLE) == "913501********0Y43"


def test_mask_short_values_are_hidden_whole() -> None:
    """A value too short to keep both ends is masked entirely rather than shown."""
    assert mask_resident_id("1234567") == "*******"
    assert mask_mobile("1381") == "****"
    assert mask_social_credit_code("") == ""
