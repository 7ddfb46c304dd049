"""content/site.yaml: the site's title and issuer."""

from __future__ import annotations

from ..model import SiteConfig
from ..problems import Mark
from ..values import as_bool, as_text
from .files import PLACEHOLDER, Files, fields, placeholder

# Optional wording an office sets for its own assessment (defaults: model.SiteConfig).
WORDING = {
    "assessment": "考核名称（assessment）",
    "leader": "领导机构（leader）",
    "rectification_note": "整改要求（rectification_note）",
}
# Optional facts for the footer of a government site, and the site's public address.
FOOTER = {
    "host": "主办单位（host）",
    "contact": "联系方式（contact）",
    "icp": "ICP备案号（icp）",
    "police": "公安机关备案号（police）",
    "url": "网站地址（url）",
}


def read_site(fs: Files) -> SiteConfig | None:
    path = fs.root / "content" / "site.yaml"
    if not path.is_file():
        fs.report.error(Mark("content/site.yaml"), "缺少网站设置文件 content/site.yaml。")
        return None
    node = fs.yaml(path)
    if node is None:
        return None
    r = fs.report
    f = fields(node, r, "网站设置", ("title", "issuer"), ("sample", *WORDING, *FOOTER))
    if f is None:
        return None
    title = as_text(f["title"], r, "网站标题") if "title" in f else None
    issuer = as_text(f["issuer"], r, "发布单位（issuer）") if "issuer" in f else None
    sample = as_bool(f["sample"], r, "sample") if "sample" in f else False
    wording = {k: as_text(f[k], r, what) for k, what in {**WORDING, **FOOTER}.items() if k in f}
    for key, value in f.items():
        if placeholder(value):
            r.warning(
                value.mark, f"网站设置的“{key}”还是待填写的“{PLACEHOLDER}”，请改为本单位的内容。"
            )
    url = wording.get("url")
    if url and not url.startswith(("http://", "https://")):
        r.error(f["url"].mark, f"网站地址（url）应以 http:// 或 https:// 开头，实际是“{url}”。")
        wording["url"] = None
    return SiteConfig(
        title or "", issuer or "", bool(sample), **{k: v for k, v in wording.items() if v}
    )
