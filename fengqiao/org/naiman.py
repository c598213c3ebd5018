"""The Naiman Banner (奈曼旗) default set-up, as data.

Sources: the mechanism 奈政字〔2024〕123号 三(一) (the leadership group and member units),
三(二) (department duties, the tax bureau's divisions, its online team and mediation
centre) and DOMAIN.md (region codes of the 16 townships). A county that adopts fengqiao
writes a module like this one, or edits the rows in the admin.
"""

from __future__ import annotations

from typing import Final

PROVINCE: Final = ("150000", "内蒙古自治区")
CITY: Final = ("150500", "通辽市")
COUNTY: Final = ("150525", "奈曼旗")

# (code suffix, name, kind) — codes are 150525 + three digits.
TOWNSHIPS: Final = [
    ("100", "大沁他拉镇", "镇"),
    ("101", "八仙筒镇", "镇"),
    ("102", "青龙山镇", "镇"),
    ("103", "新镇", "镇"),
    ("104", "治安镇", "镇"),
    ("105", "东明镇", "镇"),
    ("106", "沙日浩来镇", "镇"),
    ("107", "义隆永镇", "镇"),
    ("200", "固日班花苏木", "苏木"),
    ("201", "白音他拉苏木", "苏木"),
    ("202", "明仁苏木", "苏木"),
    ("203", "黄花塔拉苏木", "苏木"),
    ("204", "土城子乡", "乡"),
    ("205", "苇莲苏乡", "乡"),
    ("400", "国有六号农场", "农场"),
    ("401", "大沁他拉街道", "街道"),
]

# (code, name, short name, member unit, duties per 三(二))
DEPARTMENTS: Final = [
    (
        "banner_gov",
        "奈曼旗人民政府",
        "旗政府",
        False,
        "旗政府统一领导联合处置工作；联系税务的副旗长任领导小组组长。",
    ),
    (
        "gov_office",
        "奈曼旗人民政府办公室",
        "旗政府办",
        True,
        "对报送的社会保险费征缴争议事项，按照12345政府服务便民热线运行机制，按部门职责，"
        "及时转交承办单位办理；承办领导小组交办的其他工作。",
    ),
    (
        "tax",
        "国家税务总局奈曼旗税务局",
        "税务局",
        True,
        "负责社会保险费申报受理、费款征收、会统核算、缴费检查、欠费追缴、违法处罚、退费受理初核等工作，"
        "并将征缴明细及时传递给相关部门；受理属于本部门职能的争议事项并在规定时限处理反馈。",
    ),
    (
        "hrss",
        "奈曼旗人力资源和社会保障局",
        "人社局",
        True,
        "梳理规范参保缴费政策，办理社会保险登记；处理养老保险、工伤保险、失业保险“三险”特殊情形业务、"
        "参保登记信息传递、核定信息传递、权益记录、待遇享受、退费复核等工作；负责工伤保险费基准费率调整和费率浮动；"
        "协助处理相关险种欠费争议事项；受理属于本部门职能的争议事项并在规定时限处理反馈。",
    ),
    (
        "medical",
        "奈曼旗医疗保障局",
        "医保局",
        True,
        "梳理规范参保缴费政策，办理社会保险登记；负责处理医疗保险特殊情形业务、参保登记信息传递、核定信息传递、"
        "权益记录、待遇享受、退费复核等工作；协助处理相关险种欠费争议事项；受理属于本部门职能的争议事项并在规定时限处理反馈。",
    ),
    (
        "justice",
        "奈曼旗司法局",
        "司法局",
        True,
        "对征缴争议处理过程中适用相关法律法规进行把关；对有上诉需求的缴费人提供业务指导；"
        "协助处理社会保险费征缴争议、欠费争议。",
    ),
    ("finance", "奈曼旗财政局", "财政局", True, "协助办理社会保险费退费、欠费争议处理事项。"),
    (
        "gov_service",
        "奈曼旗行政审批政务服务与数据管理局",
        "政务服务局",
        True,
        "在政务服务中心提供社会保险费征缴争议处理工作室实体化运行场所；协助办理社会保险费退费、欠费争议处理事项。",
    ),
    (
        "petition",
        "奈曼旗信访局",
        "信访局",
        True,
        "协调处理人社、医保、税务职能范围内的社会保险费征缴争议工作；将社会保险费征缴争议事项问题线索移交给相关职能部门处理。",
    ),
    (
        "cyberspace",
        "中共奈曼旗委网络安全和信息化委员会办公室",
        "旗委网信办",
        True,
        "负责社会保险费征缴争议互联网信息内容监测，协助职能部门做好舆情应对。",
    ),
    (
        "discipline",
        "中共奈曼旗纪律检查委员会 奈曼旗监察委员会",
        "纪委监委",
        False,
        "接收受理部门移交的无正当理由拒不处理争议事项的案件线索（四（八））。",
    ),
]

# Tax bureau divisions (三(二)2): (code, name, kind, duties)
TAX_DIVISIONS: Final = [
    (
        "social_nontax",
        "社保非税部门",
        "division",
        "向社保非税风险应对工作提供业务指导与支持，研究制定具体征管政策和办法；开展收入对比与专题分析。",
    ),
    (
        "collection",
        "征管部门",
        "division",
        "统筹抓好税费征收管理及信息化建设，优化涉费主体关联规则和征缴操作流程。",
    ),
    (
        "taxpayer_service",
        "纳税服务部门",
        "division",
        "统筹税费服务规划及实施、投诉管理、政策宣传、缴费咨询、需求管理、满意度调查和信用体系建设。",
    ),
    (
        "revenue_accounting",
        "收入规划核算部门",
        "division",
        "社保非税缴库及退库、票证管理、收入核算和综合分析。",
    ),
    (
        "online_team",
        "云服务中心线上团队",
        "online_team",
        "按照《税费云服务中心涉税争议咨询调解工作制度》受理协调解决争议（“线上枫桥”）。",
    ),
    (
        "mediation_centre",
        "税务公职律师涉税争议咨询调解中心",
        "mediation_centre",
        "发挥公职律师作用，咨询调解涉税费争议。",
    ),
]

GOV_OFFICE_DIVISIONS: Final = [
    (
        "hotline",
        "12345政务服务便民热线办公室",
        "office",
        "按照12345政务服务便民热线运行机制转办报送的争议事项（四（八））。",
    ),
]

TAX_OFFICE_DIVISION: Final = (
    "group_office",
    "领导小组办公室",
    "office",
    "承接领导小组日常工作（三（一））。",
)

STUDIO: Final = (
    "奈曼旗社会保险费征缴争议处理工作室",
    "奈曼旗政务服务中心",
    ["tax", "hrss", "medical"],
)

# Where a payer told to go to a member unit (告知书, 四(一)) finds it, and a phone that reaches
# it: (address, phone) per department code. Only what the mechanism itself establishes is
# filled in: the dispute studio at the 政务服务中心 (三(一), 三(二)7), the place of 一站受理 where
# 税务局, 人社局 and 医保局 sit and the other member units 主动对接; and the public service
# lines that reach each unit (12366 税务, 12333 人社, 12393 医保, 12348 公共法律服务, and 12345,
# through which 旗政府办 routes matters to the competent unit, 四(八)). A county replaces them
# with its offices' own addresses and desk phones in the admin; loading the set-up again never
# overwrites what was entered there (``org.services.naiman_setup_load`` fills blanks only).
JOINT_WINDOW: Final = "奈曼旗政务服务中心社会保险费征缴争议处理工作室"
DEPARTMENT_CONTACTS: Final = {
    "gov_office": (JOINT_WINDOW, "12345"),
    "tax": (JOINT_WINDOW, "12366"),
    "hrss": (JOINT_WINDOW, "12333"),
    "medical": (JOINT_WINDOW, "12393"),
    "justice": (JOINT_WINDOW, "12348"),
    "finance": (JOINT_WINDOW, "12345"),
    "gov_service": (JOINT_WINDOW, "12345"),
    "petition": (JOINT_WINDOW, "12345"),
    "cyberspace": (JOINT_WINDOW, "12345"),
}

GROUP_NAME: Final = "奈曼旗社会保险费征缴争议联合处置工作领导小组"
# 三(一): leader, deputies (主要负责同志), members (分管负责同志).
GROUP_LEADER: Final = ("banner_gov", "联系税务工作的副旗长")
GROUP_DEPUTIES: Final = ["gov_office", "hrss", "medical", "tax"]
GROUP_MEMBERS: Final = [
    "gov_office",
    "justice",
    "finance",
    "gov_service",
    "hrss",
    "medical",
    "petition",
    "tax",
    "cyberspace",
]
