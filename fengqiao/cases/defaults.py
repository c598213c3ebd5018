"""The ten dispute categories of 三(三) and the default routing rules drawn from the
department duties of 三(二). Both are data afterwards: administrators edit them."""

from __future__ import annotations

from typing import Final

from django.db import transaction

# (code, name, description (the mechanism's words), group for related-category duplicates)
CATEGORIES: Final = [
    (
        "01",
        "社会保险登记和关系转移",
        "用人单位或个人因社会保险登记和关系转移产生争议的",
        "registration",
    ),
    (
        "02",
        "社会保险登记信息传递",
        "用人单位或个人因社会保险登记信息传递产生争议的",
        "registration",
    ),
    ("03", "缴费基数申报", "用人单位或个人因社会保险费缴费基数申报产生争议的", "contribution"),
    ("04", "缴费金额", "用人单位或个人因社会保险费缴费金额产生争议的", "contribution"),
    (
        "05",
        "人社、医保核定的特殊缴费应征金额",
        "用人单位或个人对人社、医保部门核定的特殊缴费应征金额有异议的",
        "contribution",
    ),
    ("06", "滞纳金加收", "用人单位或个人对社会保险费滞纳金加收问题有争议的", "contribution"),
    (
        "07",
        "退（抵）费模式、流程、金额",
        "用人单位或个人对社会保险费退（抵）费模式、流程、金额有争议的",
        "refund",
    ),
    ("08", "待遇核定和支付", "用人单位或个人对社会保险费待遇核定和支付有争议的", "benefit"),
    (
        "09",
        "征缴、缴费检查、欠费追缴",
        "用人单位或个人对社会保险费征缴、社会保险费缴费检查、欠费追缴等事项有争议的",
        "collection",
    ),
    ("10", "其他争议事项", "社会保险费征缴过程中发生的其他争议事项", "other"),
]

# category code → (lead department code, [co-handling department codes], basis)
ROUTING: Final = {
    "01": ("hrss", ["medical", "tax"], "三（二）3、4：人社局、医保局办理社会保险登记"),
    "02": ("hrss", ["medical", "tax"], "三（二）3、4：参保登记信息传递；三（二）2：税务局传递征缴明细"),
    "03": ("tax", ["hrss", "medical"], "三（二）2：税务局负责社会保险费申报受理"),
    "04": ("tax", ["hrss", "medical"], "三（二）2：税务局负责费款征收；三（二）3、4：核定信息传递"),
    "05": ("hrss", ["medical", "tax"], "三（二）3、4：人社、医保处理特殊情形业务、核定信息传递"),
    "06": ("tax", ["justice"], "三（二）2：税务局负责欠费追缴、违法处罚；三（二）5：司法局法律把关"),
    "07": (
        "tax",
        ["hrss", "medical", "finance", "gov_service"],
        "三（二）2：退费受理初核；三（二）3、4：退费复核；三（二）6、7：协助办理退费",
    ),
    "08": ("hrss", ["medical"], "三（二）3、4：权益记录、待遇享受"),
    "09": (
        "tax",
        ["hrss", "medical", "finance", "justice"],
        "三（二）2：缴费检查、欠费追缴；三（二）3、4、6：协助处理欠费争议",
    ),
    "10": ("tax", ["petition"], "三（二）2：受理属于本部门职能的争议事项；三（二）8：信访局协调"),
}


@transaction.atomic
def categories_load() -> None:
    """Create or refresh the ten categories of 三(三) (administrators may add more)."""
    from fengqiao.cases.models import DisputeCategory

    for order, (code, name, description, group) in enumerate(CATEGORIES):
        DisputeCategory.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "group": group,
                "sort_order": order,
            },
        )


@transaction.atomic
def routing_defaults_load(*, county_code: str) -> int:
    """Load the default routing rules for a county whose departments use the Naiman codes.
    Existing rules are kept; returns the number of rules added."""
    from fengqiao.cases.models import DisputeCategory, RoutingRule
    from fengqiao.org.models import Department, Jurisdiction

    categories_load()
    county = Jurisdiction.objects.get(code=county_code)
    departments = {d.code: d for d in Department.objects.filter(jurisdiction=county)}
    added = 0
    for code, (lead, co, basis) in ROUTING.items():
        category = DisputeCategory.objects.get(code=code)
        for order, (dept_code, role) in enumerate([(lead, "lead"), *[(c, "co") for c in co]]):
            if dept_code not in departments:
                continue
            _rule, created = RoutingRule.objects.get_or_create(
                jurisdiction=county,
                category=category,
                payer_kind="",
                department=departments[dept_code],
                defaults={"role": role, "basis": basis, "sort_order": order},
            )
            added += created
    return added
