"""Every Chinese word the workbooks show, in one place.

The writer (:mod:`notifications.documents.workbook`, :mod:`notifications.documents.targets_sheet`) and the
reader (:mod:`notifications.documents.report_import`, :mod:`notifications.documents.report_sheets`) both use
these constants, so a sheet name or a header changed here changes in both. Format fields (``{locality}``…)
are filled by the writer.
"""

from __future__ import annotations

# --- sheet names -----------------------------------------------------------------------------------
SHEET_GUIDE = "填报说明"
SHEET_INDICATORS = "指标完成情况"
SHEET_PROJECTS = "重大项目"
SHEET_ISSUES = "问题与计划"
SHEET_TARGETS = "目标任务"
SHEET_MARKER = "_duban"  # very hidden; machine-readable, not Chinese on purpose

# --- the 基本信息 block on 指标完成情况 ---------------------------------------------------------------
INFO_HEADING = "基本信息"
INFO_LOCALITY = "单位"
INFO_PERIOD = "报送节点"
INFO_DUE = "截止日期"
INFO_HINT = "黄色单元格为填写区，灰色单元格已锁定；填写方法见“填报说明”。"

# --- indicator columns -----------------------------------------------------------------------------
H_CODE = "指标代码"
H_NAME = "指标"
H_UNIT = "计量单位"
H_TARGET = "分解目标"
H_ACTUAL = "本年累计完成"

# --- project columns -------------------------------------------------------------------------------
P_NAME = "项目名称"
P_STATUS = "进展状态"
P_INVESTMENT = "本年完成投资(亿元)"
PROJECT_STATUSES = ("前期", "在建", "投产", "停建")
PROJECTS_HINT = "每个项目填写一行；“进展状态”从下拉列表中选择；投资额填写数字（亿元），不填视为0。"

# --- problems and next steps -----------------------------------------------------------------------
I_PROBLEMS = "存在问题"
I_NEXT_STEPS = "下一步工作"

# --- targets sheet ---------------------------------------------------------------------------------
T_SEQ = "序号"
T_NAME = "指标"
T_UNIT = "计量单位"
T_VALUE = "{year}年目标"
T_PENDING = "待分解"

# --- titles ----------------------------------------------------------------------------------------
TITLE_REPORT = "{locality}{half}工作进展情况报送表"
TITLE_INDICATORS = "{locality}主要指标完成情况（截至{period}）"
TITLE_PROJECTS = "{locality}重大工业项目进展情况"
TITLE_ISSUES = "{locality}存在问题及下一步工作计划"
TITLE_TARGETS = "{locality}{year}年目标任务分解表"
SUBTITLE_PLAN = "依据：《{plan_title}》{doc_number}"
TARGETS_NOTE = ("说明：以上为{coordinator}下达的{year}年目标任务，请对照抓好落实，"
                "每年6月5日、12月5日前报送完成情况。本表仅供查阅。")
HALF_FIRST = "上半年"
HALF_SECOND = "下半年"
HALF_YEAR = "{year}年{half}"
DATE_ZH = "{year}年{month}月{day}日"

# --- the 填报说明 sheet ------------------------------------------------------------------------------
GUIDE_LINES = (
    ("填报内容", "请{locality}按照《{plan_title}》{doc_number}工作要求，填报{half}各项指标本年累计完成情况、"
                 "重大工业项目进展、存在问题和下一步工作。"),
    ("报送时限", "请于{due}前报送{coordinator}。"),
    ("报送方式", "填写完成后直接保存（保持 .xlsx 格式，不要另存为 .xls、.xlsm 或 .csv，不要修改工作表名称和表头），"
                 "通过电子邮件回复或报送{coordinator}。"),
    ("单元格颜色", "黄色单元格为填写区；灰色单元格已锁定，无需填写。"),
    ("预填数据", "“本年累计完成”已预填本年已报送的数值，没有变化的无需重复填写，有变化的直接修改。"),
    ("数值填写", "数值单元格只填写数字（不小于0），不要填写文字、单位或公式；计量单位见“计量单位”列。"),
    ("基本信息", "“单位”和“报送节点”从下拉列表中选择，不得为空。"),
    ("重大项目", "每个项目填写一行，“进展状态”从下拉列表中选择（前期、在建、投产、停建）。"),
    ("工作表保护", "各工作表已设置保护，仅用于防止误改表格结构，不是保密措施，无需密码；请勿撤销保护后增删行列。"),
    ("联系", "如有疑问，请联系{coordinator}。"),
)
GUIDE_TITLE = "填报说明"

# --- data validation prompts and errors ------------------------------------------------------------
DV_NUMBER_TITLE = "请填写数字"
DV_NUMBER_ERROR = "只能填写不小于0的数字，不要填写文字、单位或公式。"
DV_NUMBER_PROMPT = "填写不小于0的数字"
DV_LOCALITY_TITLE = "请选择单位"
DV_LOCALITY_ERROR = "请从下拉列表中选择本单位名称。"
DV_PERIOD_TITLE = "请选择报送节点"
DV_PERIOD_ERROR = "请从下拉列表中选择报送节点（截止日期，格式如2016-06-05）。"
DV_STATUS_TITLE = "请选择进展状态"
DV_STATUS_ERROR = "请从下拉列表中选择：前期、在建、投产、停建。"

# --- file names ------------------------------------------------------------------------------------
FILE_REPORT = "进度填报_{locality}_{period}.xlsx"
FILE_TARGETS = "目标任务_{locality}_{year}.xlsx"
