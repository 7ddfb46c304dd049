"""Start a new year from the one before it (`new-year`), or a new project for an office (`init`).

Both write into a staging folder first and move it into place only when everything is written,
so a failed command leaves the project as it was; neither ever overwrites a file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .load import YEAR_DIR
from .model import DATA_FOLDERS, GradeBand, ListRule, Year
from .problems import BulletinError
from .readers.files import PLACEHOLDER, Files
from .readers.pages import read_page
from .readers.site import read_site
from .readers.year import read_year

TOP_TITLE = re.compile(r"^(title|short_title):.*$", re.MULTILINE)
NEEDS_QUOTES = re.compile(r"[,\[\]{}:#&*!|>'\"%@`]|^[-?\s]|\s$")


class ScaffoldError(BulletinError):
    """A new year or project cannot be started; nothing was written."""


@dataclass(frozen=True)
class NewYear:
    year: int
    source: int  # the year it was made from
    units: int
    rubrics: tuple[str, ...]


def new_year(root: Path, number: int) -> NewYear:
    """Create content/, rubrics/ and scores/ of a draft year from the newest year before it."""
    root = root.resolve()
    targets = [root / top / str(number) for top in DATA_FOLDERS]
    for target in targets:
        if target.exists():
            rel = target.relative_to(root).as_posix()
            raise ScaffoldError(f"{rel}/ 已经存在，{number} 年度已经建立；为免覆盖，什么也没有写。")
    content = root / "content"
    earlier = sorted(
        int(p.name)
        for p in (content.iterdir() if content.is_dir() else ())
        if p.is_dir() and YEAR_DIR.fullmatch(p.name) and int(p.name) < number
    )
    if not earlier:
        raise ScaffoldError(
            f"content/ 中没有早于 {number} 的年度可以作为模板。"
            "新项目请用 python build.py init 文件夹名 建立。"
        )
    source = earlier[-1]
    fs = Files(root)
    site = read_site(fs)
    year = read_year(fs, content / str(source) / "year.yaml", source)
    bulletin = read_page(fs, content / str(source) / "bulletin.md")
    if year is None or fs.report.errors:
        lines = (
            "\n".join(str(p) for p in fs.report.errors) or f"content/{source}/year.yaml 无法读取。"
        )
        raise ScaffoldError(
            f"{lines}\n{source} 年度的设置有错误（见上），不能作为 {number} 年度的模板；请先修正。"
        )
    units_file = content / str(source) / "units.yaml"
    if not units_file.is_file():
        raise ScaffoldError(f"content/{source}/units.yaml 不存在，无法复制单位名单。")
    assessment = site.assessment if site else "考核"
    old_title = bulletin.title if bulletin else year.title
    files: dict[str, bytes] = {
        "content/year.yaml": year_yaml(year, number).encode("utf-8"),
        "content/units.yaml": units_file.read_bytes(),
        "content/bulletin.md": bulletin_md(
            number,
            moved(old_title, source, number) or f"关于{number}年度{assessment}结果的通报",
            bulletin.recipients if bulletin else None,
        ).encode("utf-8"),
    }
    rubric_ids = []
    for path in sorted((root / "rubrics" / str(source)).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        files[f"rubrics/{path.name}"] = TOP_TITLE.sub(
            lambda m: m.group(0).replace(str(source), str(number)), text
        ).encode("utf-8")
        rubric_ids.append(path.stem)
    with staged(root) as staging:
        for name, data in files.items():
            top, file_name = name.split("/")
            write_new(staging / top / str(number) / file_name, data)
        (staging / "scores" / str(number)).mkdir(parents=True)
        place(staging, root, [f"{top}/{number}" for top in DATA_FOLDERS])
    units = len(re.findall(r"^- ", units_file.read_text(encoding="utf-8"), re.MULTILINE))
    return NewYear(number, source, units, tuple(rubric_ids))


def moved(text: str, source: int, number: int) -> str | None:
    """The text with its year moved on (the year after, too: 〔2016〕 becomes 〔2017〕)."""
    if str(source) not in text:
        return None
    return text.replace(str(source + 1), str(number + 1)).replace(str(source), str(number))


def quoted(text: str) -> str:
    """A YAML scalar for this text, quoted when it could be read as something else."""
    if NEEDS_QUOTES.search(text) or text in ("", "true", "false", "null", "~", "yes", "no"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def number_text(value: Decimal) -> str:
    return format(value, "f")


def year_yaml(year: Year, number: int) -> str:
    """year.yaml of the new draft: the previous year's rules, without its dated decisions."""
    title = moved(year.title, year.number, number) or f"{number}年度{PLACEHOLDER}考核结果通报"
    lines = [
        f"year: {number}",
        f"title: {quoted(title)}",
        "status: draft   # 评分完成、通报定稿后改为 published",
        f"date: {PLACEHOLDER}   # 通报日期，格式如 {number + 1}-01-20",
        "categories:",
        *(f"  - {{id: {c.id}, title: {quoted(c.title)}}}" for c in year.categories),
    ]
    lines += grades_yaml(year.grades)
    lines.append(f"aggregate: {year.aggregate}")
    if year.tie_break:
        lines.append(f"tie_break: [{', '.join(year.tie_break)}]")
    lines += rule_yaml("commendation", year.commendation, "表彰", ("top", "min_total"))
    lines += rule_yaml("rectification", year.rectification, "整改", ("below",))
    if year.weight is not None:
        lines.append(f"weight: {number_text(year.weight)}")
    return "\n".join(lines) + "\n"


def grades_yaml(grades: tuple[GradeBand, ...]) -> list[str]:
    if not grades:
        return []
    return [
        "grades:",
        *(f"  - {{name: {quoted(g.name)}, min: {number_text(g.min)}}}" for g in grades),
    ]


def rule_yaml(key: str, rule: ListRule, word: str, conditions: tuple[str, ...]) -> list[str]:
    values = [(name, getattr(rule, name)) for name in conditions]
    values = [(name, v) for name, v in values if v is not None]
    lines = [f"{key}:", *(f"  {name}: {v}" for name, v in values)]
    lines.append(
        f"  units: []   # 经研究决定另行列入{word}名单的单位：- {{unit: 编号, reason: 理由}}"
    )
    return lines


def bulletin_md(number: int, title: str, recipients: str | None) -> str:
    lines = [
        "---",
        f"title: {quoted(title)}",
        f"number: {PLACEHOLDER}   # 文号，例如 某发〔{number + 1}〕1号",
    ]
    if recipients:
        lines.append(f"recipients: {quoted(recipients)}")
    lines += [
        f"date: {PLACEHOLDER}   # 印发日期，格式如 {number + 1}-01-20",
        "---",
        "",
        f"{PLACEHOLDER}（考核的依据、组织方式和范围：由谁、于何时、对哪些单位进行了考核。）",
        "",
        f"{PLACEHOLDER}（考核的总体情况和发现的主要问题。）",
        "",
        f"{PLACEHOLDER}（表彰和整改的决定，以及下一步工作要求。）",
        "",
    ]
    return "\n".join(lines)


# -- writing all or nothing --------------------------------------------------------------------


@contextmanager
def staged(root: Path) -> Iterator[Path]:
    """A private folder beside the project's files, removed afterwards whatever happened."""
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".new-", dir=root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as f:  # "x": never overwrite
        f.write(data)


def place(staging: Path, root: Path, names: list[str]) -> None:
    """Move each staged folder into the project; if one fails, take back those already moved."""
    done: list[Path] = []
    try:
        for name in names:
            target = root / name
            if target.exists():
                raise ScaffoldError(f"{name}/ 刚刚被建立，为免覆盖，什么也没有写。")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staging / name, target)  # refuses an existing target on Windows too
            done.append(target)
    except OSError as exc:
        for target in reversed(done):
            os.rename(target, staging / target.relative_to(root))
        raise ScaffoldError(f"无法写入 {root}：{exc.strerror or exc}；什么也没有写。") from None
    except ScaffoldError:
        for target in reversed(done):
            os.rename(target, staging / target.relative_to(root))
        raise


# -- a new project -----------------------------------------------------------------------------

SAMPLE_FOLDERS = (*DATA_FOLDERS, "archive")


def init_project(dest: Path, tool: Path, number: int, sample: bool = False) -> list[str]:
    """Create a project in `dest` (missing or empty): a minimal valid one, or the full sample."""
    dest = dest.resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ScaffoldError(
            f"{dest} 已经存在且不是空文件夹；为免覆盖，什么也没有写。请指定一个新的文件夹。"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with staged(dest.parent) as staging:
        project = staging / "project"
        shutil.copytree(tool / "theme", project / "theme")
        if sample:
            for name in SAMPLE_FOLDERS:
                if (tool / name).is_dir():
                    shutil.copytree(tool / name, project / name)
        else:
            for name, text in starter_files(number).items():
                write_new(project / name, text.encode("utf-8"))
        write_new(project / "README.md", readme(number, sample).encode("utf-8"))
        written = sorted(
            p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()
        )
        if dest.exists():
            dest.rmdir()  # empty, as checked above
        os.rename(project, dest)
    return written


def starter_files(number: int) -> dict[str, str]:
    """The smallest project that builds: one category, one rubric, one unit, a bulletin."""
    y = f"content/{number}"
    return {
        "content/site.yaml": f"""\
title: {PLACEHOLDER}考核结果公示   # 网站标题，显示在每一页的页首
issuer: {PLACEHOLDER}办公室   # 发布单位，显示在通报落款和页脚
assessment: {PLACEHOLDER}考核   # 考核名称，例如 目标责任考核、营商环境评价
leader: {PLACEHOLDER}领导小组   # 整改单位向谁报送整改报告
sample: true   # 用实际数据发布前改为 false：每页的“示例数据”提示随之去掉
""",
        f"{y}/year.yaml": f"""\
year: {number}
title: {number}年度{PLACEHOLDER}考核结果通报
status: draft   # 评分完成、通报定稿后改为 published
date: {PLACEHOLDER}   # 通报日期，格式如 {number + 1}-01-20
categories:
  - {{id: units, title: 参评单位}}   # 排名类别，可以有多个
grades:
  - {{name: 优秀, min: 90}}
  - {{name: 良好, min: 80}}
  - {{name: 合格, min: 60}}
  - {{name: 不合格, min: 0}}
aggregate: mean   # 多位专家分别打分时取平均值
commendation:
  top: 1          # 每个类别第1名
  min_total: 90   # 且不低于90分的单位受表彰
  units: []
rectification:
  below: 60       # 低于60分的单位须整改
  units: []
""",
        f"{y}/units.yaml": """\
- id: example      # 单位编号：小写英文字母、数字和“-”，也是评分文件的文件名
  name: 示例单位    # 请改为实际单位名称，并按同样格式逐个列出参评单位
  category: units
  rubric: main
""",
        f"{y}/bulletin.md": bulletin_md(
            number, f"关于{number}年度{PLACEHOLDER}考核结果的通报", None
        ),
        f"rubrics/{number}/main.yaml": f"""\
id: main
title: {number}年度{PLACEHOLDER}考核评分标准
short_title: 评分标准
total: 100
dimensions:
  - id: tasks
    title: 重点任务
    points: 60
    items:
      - id: plan
        title: 工作方案制定情况
        points: 20
      - id: progress
        title: 重点任务推进落实情况
        points: 40
  - id: daily
    title: 日常工作
    points: 40
    items:
      - id: information
        title: 信息报送数量和质量
        points: 20
      - id: reporter
        title: 汇报人级别
        points: 20
        type: choice
        options: {{正职: 20, 副职: 15, 其他: 10}}
""",
        f"scores/{number}/example.yaml": """\
# 示例分数，请改为专家的实际评分（也可用 sheets 和 import 命令通过 Excel 评分表录入）。
unit: example
scores:
  plan: 18
  progress: {experts: [35, 36.5, 34]}
  information: 17.5
  reporter: 正职
""",
    }


def readme(number: int, sample: bool) -> str:
    """The short Chinese note inside a new project: what to edit first."""
    start = (
        "这是示例项目的完整副本（数据均为虚构的示例数据）。"
        "先在其中试用各个命令，再按下面的顺序改成本单位的数据。"
        if sample
        else "这是一个新的考核结果通报项目，可以直接生成网站。标有“〔待填〕”的地方需要改成本单位的内容，"
        "`check` 会逐个列出。"
    )
    return f"""\
# 考核结果通报项目

{start}

## 先改这几个文件

1. `content/site.yaml`：网站标题、发布单位、考核名称、领导机构。用实际数据发布前把 `sample` 改为 `false`。
2. `content/{number}/year.yaml`：年度标题、排名类别、等次、表彰和整改规则。
3. `content/{number}/units.yaml`：参评单位名单。
4. `rubrics/{number}/`：评分标准，每个评分标准一个文件。
5. `scores/{number}/`：每个单位一个评分文件，文件名就是单位编号。
6. `content/{number}/bulletin.md`：通报的文号、日期和正文。

## 常用命令

在本工具所在的文件夹中运行（把“项目文件夹”换成本文件夹的路径）：

    python build.py --project 项目文件夹 check           检查数据，列出每一个问题
    python build.py --project 项目文件夹 serve           本机预览，含草稿年度
    python build.py --project 项目文件夹 build --drafts  生成网站（含草稿年度）
    python build.py --project 项目文件夹 build           生成正式网站，上传 site 文件夹即可

年度状态为 `draft`（草稿）时只在预览和 `build --drafts` 中出现；定稿后改为 `published`。
详细说明见本工具的 docs/guide.md（工作指南）和 docs/data-format.md（数据格式）。
"""
