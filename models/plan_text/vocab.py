"""The words of official notices that the notice reader (:mod:`models.plan_text.reader`) looks for.

This is data: the Chinese vocabulary of 通知/实施方案 kept in one place, so the parsing code stays
English and a new form seen in the wild is one line here. Every pattern is matched against the
*normalised* text (full-width ASCII folded to half-width, see :data:`NORMALISE`).
"""

from __future__ import annotations

import re

from models.enums import DutyKind, Frequency

# Full-width ASCII (！..～) to half-width, ideographic/no-break spaces to a space, dashes to "-".
# One character to one character, so offsets in the normalised text are offsets in the original.
NORMALISE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
NORMALISE.update({0x3000: 0x20, 0xA0: 0x20, 0x2014: 0x2D, 0x2013: 0x2D, 0x2212: 0x2D, 0xFF5E: 0x2D,
                  0x301C: 0x2D, 0xFE59: 0x28, 0xFE5A: 0x29})

CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}

# --- structure ---------------------------------------------------------------------------------------
CN_NUM = "[一二三四五六七八九十]{1,3}"
MARKERS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"^({CN_NUM})、\s*")),                       # 一、
    (1, re.compile(rf"^\(({CN_NUM})\)[、.]?\s*")),               # (一)
    (2, re.compile(r"^(\d{1,2})\s*(?:、|\.(?!\d))\s*")),          # 1、 1.
    (3, re.compile(r"^\((\d{1,2})\)[、.]?\s*")),                 # (1)
    (4, re.compile(r"^([①-⑳])\s*")),                             # ①
)
# Lines that end the plan's body: attachments, web-page furniture, distribution lists.
BODY_STOP = re.compile(r"^(附件\s*\d*\s*[:：]?|附件$|【字体|抄送|公开方式|主题词|打印本页|关闭窗口|扫一扫)")
# A line that is nothing but a date: the signature date of a notice.
DATE_LINE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
CN_DATE_LINE = re.compile(r"^([〇零一二三四五六七八九]{4})年"
                          r"([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日$")
PUBLISHED = re.compile(r"(?:发布时间|发布日期|成文日期)[::]?\s*(\d{4})[-年/.](\d{1,2})[-月/.](\d{1,2})")
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[【(](\d{4})[〕\]】)]\s*\d{1,4}\s*号")
NOTICE_TITLE = re.compile(r"^(.{0,40}?)关于(.+)的(?:通知|意见|决定)$")
PRINTED_TITLE = re.compile(r"^关于印发(.+)的(?:通知|意见)$")
TITLE_ENDINGS = ("方案", "计划", "意见", "办法", "细则", "规划", "要点", "安排", "清单", "通知")
ORG_ENDINGS = ("政府", "办公室", "委员会", "办公厅", "局", "厅", "委")
PERIOD = re.compile(r"(\d{4})\s*(?:年)?\s*(?:-|至|到)\s*(\d{4})\s*年")
# Where problems go: "请径向市科工商务局反映".
COORDINATOR = re.compile(r"(?:径向|迳向|径与|直接向|及时向)(.{2,30}?)(?:反映|报告|联系)")
# Words that mark a document as a government notice at all.
NOTICE_WORDS = re.compile(r"政府|单位|部门|局|委员会|办公室|通知|方案|计划")

# --- sections ----------------------------------------------------------------------------------------
GENERAL, GOALS, TASKS, MEASURES, REQUIREMENTS, OTHER = "general", "goals", "tasks", "measures", "requirements", "other"
SECTION_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (GENERAL, ("总体要求", "指导思想", "基本原则", "总体思路", "工作思路")),
    (GOALS, ("目标",)),
    (REQUIREMENTS, ("工作要求", "组织实施", "实施要求", "有关要求", "督查考核", "工作机制", "进度安排")),
    (MEASURES, ("保障", "措施")),
    (TASKS, ("任务", "重点", "主要工作", "工作内容")),
)

# --- responsible units -------------------------------------------------------------------------------
UNIT_SUFFIXES = (
    "局", "办", "委", "委员会", "中心", "支行", "分行", "银行", "政府", "办事处", "厅", "部", "院", "会", "处",
    "室", "所", "队", "站", "社", "公司", "集团", "署", "馆", "团", "联", "协", "科", "校", "组", "管委会",
    "街道", "镇", "乡", "区", "县", "市", "省", "海关", "法院", "检察院", "指挥部",
)
NOT_UNIT_PREFIXES = ("含", "包括", "以下", "见", "下称", "简称", "即", "如", "不含", "详见", "其中", "另", "注",
                     "除", "由", "对", "在", "按", "参照")
NOT_UNIT_CHARS = frozenset("《》“”\"'():;,。!?%〔〕[]【】<>=+")
# Collective names that add nobody in particular: the item says "and others".
GENERIC_UNITS = frozenset({"有关单位", "各有关单位", "相关单位", "各相关单位", "有关部门", "各有关部门", "相关部门",
                           "市直有关单位", "县直有关单位", "区直有关单位", "省直有关单位", "市有关单位",
                           "县有关单位", "区有关单位", "成员单位", "各成员单位"})
OTHERS_SUFFIX = re.compile(r"(?:等有关单位|等相关单位|等有关部门|等相关部门|等单位|等部门|等)$")
DUTY_DIVISION = re.compile(r"(?:按职责分工负责|按职责分工落实|按职能分工负责|按职责分工|按职责负责|分别负责|"
                           r"共同负责|负责落实|负责)$")
LEAD_LABELS = ("牵头单位", "牵头部门", "主责单位", "主办单位", "责任单位", "责任部门", "实施单位")
COOP_LABELS = ("配合单位", "配合部门", "协办单位", "参与单位", "协同单位", "协助单位", "协作单位")
LABEL = re.compile("(" + "|".join(LEAD_LABELS + COOP_LABELS) + r")\s*:")
LEAD_FORM = re.compile(r"^(?P<lead>.+?)(?:牵头负责|牵头|负总责|主责|负责)(?:[,;、]\s*(?P<coop>.+?)"
                       r"(?:配合|参与|协助|协办|协同)(?:落实|实施|推进)?)?$")
LOCALITY = re.compile(
    r"(?P<q>各|有关|相关)"
    r"(?:县\(市、区\)|市、县\(区\)|县\(市\)|县\(区\)|县市区|市县区|县区|区县|乡镇\(街道\)|镇\(街道\)|镇\(街\)|"
    r"乡\(镇\)|地级以上市|乡镇|镇|乡|街道(?:办事处|办)?|区|县|地)"
    r"(?:党委和人民政府|人民政府|政府|党委)?"
    r"(?:[、和及](?:街道办事处|街道办|街道|管委会))?"
    r"(?:具体负责落实|负责落实|负责实施|抓好落实|具体负责|负责|落实)?"
)
RELEVANT_WORDS = ("有关", "相关")

# Readings pypinyin gets wrong in unit names (used for unit codes only).
PINYIN_PHRASES = {"支行": ("zhī", "háng"), "分行": ("fēn", "háng"), "银行": ("yín", "háng")}

# Names that mean the issuing government itself ("市政府定期组织…").
GOVERNMENT_SELF = re.compile(r"^(?:[市县区省州旗])?(?:人民)?政府$|^本级(?:人民)?政府$")

# --- targets -----------------------------------------------------------------------------------------
MEASURE_UNITS = sorted(
    ("万亿元", "亿元", "万元", "元", "亿美元", "万美元", "美元", "%", "‰", "个百分点", "亿千瓦时", "万千瓦时",
     "千瓦时", "万千瓦", "千瓦", "兆瓦", "万吨标准煤", "吨标准煤", "万吨", "吨", "万平方米", "平方米",
     "平方公里", "公里", "千米", "万亩", "亩", "万人次", "人次", "万人", "人", "万户", "户", "家", "个", "项",
     "座", "条", "台", "套", "宗", "所", "件", "次", "倍", "辆", "张", "名", "位", "天", "万辆"),
    key=len, reverse=True,
)
GE_WORDS = ("不低于", "不少于", "达到", "达", "超过", "突破", "提升到", "提高到", "提升至", "提高至", "增加到",
            "增至", "增长到", "增长至")
LE_WORDS = ("不超过", "不高于", "控制在", "降低到", "下降到", "降低至", "下降至", "降至", "降到", "压减到")
EQ_WORDS = ("保持在", "稳定在", "为")
PRE_WORDS = sorted(GE_WORDS + LE_WORDS + EQ_WORDS, key=len, reverse=True)
POST_WORDS = {"以上": ">=", "以内": "<=", "以下": "<=", "左右": "="}
_UNIT = "(?:万|亿|千)?(?:" + "|".join(re.escape(u) for u in MEASURE_UNITS) + ")"
# A value that ends its clause: [comparator] number unit [以上/以内/以下/左右]. Any short unit is
# accepted before 以上/以内/以下 ("30微克/立方米以内").
TARGET = re.compile(
    r"(?P<pre>" + "|".join(PRE_WORDS) + r")?\s*(?P<num>\d+(?:\.\d+)?)\s*"
    r"(?:(?P<unit>" + _UNIT + r")\s*(?P<post>以上|以内|以下|左右)?"
    r"|(?P<unit2>[^\d\s,;。、()]{1,8}?)\s*(?P<post2>以上|以内|以下))$"
)
RANGE_END = re.compile(r"\d\s*(?:至|-|~|到)\s*$")
BASELINE = re.compile(r"从\s*(\d{4})\s*年(?:底|末)?(?:的)?\s*(\d+(?:\.\d+)?)\s*(?:"
                      + "|".join(re.escape(u) for u in MEASURE_UNITS) + r")?")
# A year that dates what follows; not one compared against ("较2023年下降13.5%").
YEAR = re.compile(r"(?<![\d较比与同])(\d{4})\s*年(?:末|底|前|度)?")
YEAR_LEAD = re.compile(r"^(?:到|至|在|于)?\s*\d{4}\s*年(?:末|底|前|度)?(?:全年)?[,:]?\s*")
NAME_LEAD = re.compile(r"^(?:其中|实现|完成|力争|确保|争取|全年)+")
SUB_TARGET = "其中"
LEVEL_UNITS = frozenset({"%", "‰", "个百分点"})

# --- duties ------------------------------------------------------------------------------------------
DUTY_WORDS: tuple[tuple[DutyKind, re.Pattern[str]], ...] = (
    (DutyKind.JOINT_MEETING, re.compile(r"联席会议|例会制度|调度会|工作会议制度|协调会议")),
    (DutyKind.DECOMPOSITION, re.compile(r"分解")),
    (DutyKind.PROGRESS_REPORT, re.compile(r"(?:报送|上报|报告|填报|反馈|报)[^。;]{0,30}?(?:进展|进度|情况|动态)|"
                                          r"(?:进展|进度|完成)情况[^。;]{0,12}?(?:报送|上报|报告|填报|报)|(?:报送|上报)[^。;]{0,20}?总结")),
    (DutyKind.INSPECTION, re.compile(r"督查|督导|督促检查|专项检查|考核")),
)
FREQ_WORDS: tuple[tuple[Frequency, re.Pattern[str]], ...] = (
    (Frequency.MONTHLY, re.compile(r"每月|按月|月度|每个月")),
    (Frequency.QUARTERLY, re.compile(r"每季度?|按季|季度")),
    (Frequency.SEMIANNUAL, re.compile(r"每半年|半年")),
    (Frequency.ANNUAL, re.compile(r"每年|年度|当年|按年|每一年")),
)
# Words that pin a deadline to a day: a sentence with one of these but no date read is reported.
DATE_CUE = re.compile(r"\d+\s*月|月底|月末|上旬|中旬|下旬|日前|日内|工作日")
FULL_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*(?:\d{1,2}\s*日|底|末)")
MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*日")
MONTH_END = re.compile(r"(?<![\d每次])(\d{1,2})\s*月\s*(?:份)?\s*(?:底|末)")
EVERY_MONTH_END = re.compile(r"每月(?:底|末)|每个月(?:底|末)")
EVERY_MONTH_DAY = re.compile(r"(?:每月|每个月|次月)\s*(\d{1,2})\s*日")
EVERY_QUARTER_END = re.compile(r"每季度?(?:末|最后一个月底|结束前)")
QUARTER_FIRST_MONTH_DAY = re.compile(r"(?:每季度?(?:首月|第一个月)|次季度?首月|每季度?结束后次月)\s*(\d{1,2})\s*日")
YEAR_END = re.compile(r"(?:每年|当年|年)(?:底|末)前")
RELATIVE = re.compile(r"(?:结束后|终了后|后)\s*(\d{1,2}|[一二三四五六七八九十]{1,2})\s*个?\s*工作日")
CALENDAR_AFTER = re.compile(r"(?P<per>每季度?|每月|每个月)(?:结束|终了)?后\s*(?P<n>\d{1,2})\s*(?:日|天)(?:内|前)")
MONTH_END_WORDS = re.compile(r"月底前|月末前|月底|月末")
DUTY_OWNER_BY = re.compile(r"由\s*(?P<u>[^,;。由]{2,30}?)\s*(?:牵头|负责|会同|组织|统筹)")
DUTY_OWNER_TO = re.compile(r"(?:向|报送至|报送给|报至|报给)\s*(?P<u>[^,;。向]{2,30}?)\s*"
                           r"(?:报送|报告|上报|反馈|提交|报|汇报)")
DUTY_OWNER_REPORT = re.compile(r"(?:报送|上报|报)(?:至|给)?\s*(?P<u>[市县区省][^,;。、\s]{1,25})")
DUTY_SUBJECT = re.compile(r"^(?P<u>[^,;。]{2,30}?)(?:要|将|应|定期|不定期|适时|每半年|每年|每季度|每月|组织|牵头|"
                          r"负责|会同|开展)")
LOCALITY_SUBJECT = re.compile(r"^(?:各镇|各乡镇|各街道|各县|各区|各地|各市|有关镇|有关县|有关区)")
MEMBER_SUBJECT = re.compile(r"^各(?:有关|责任|成员|牵头|相关)?(?:单位|部门)")
