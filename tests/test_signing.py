"""Signed manifests: an archive edited together with its manifest no longer passes check.

The sample is signed with a test-only key (tests/fixtures/signing/sample-test-only.key, its
public key in content/signing/sample.pub); conftest makes freeze and correct use it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from bulletin import signing
from tests.conftest import REPO, SAMPLE_KEY, ProjectDir
from tests.test_hostile import refused, run

MINISIGN = shutil.which("minisign")


@pytest.fixture
def frozen(tiny: ProjectDir) -> ProjectDir:
    shutil.copytree(REPO / "theme", tiny.root / "theme")
    done = run(tiny.root, "freeze", "2014", "--date", "2015-02-01")
    assert done.returncode == 0, done.stdout + done.stderr
    return tiny


def test_an_edited_file_with_its_hash_updated_fails_at_the_signature(frozen: ProjectDir):
    page = frozen.path("archive/2014/index.html")
    edited = page.read_bytes().replace("测试".encode(), "篡改".encode(), 1)
    page.write_bytes(edited)
    manifest = frozen.path("archive/2014/manifest.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"]["index.html"] = hashlib.sha256(edited).hexdigest()
    manifest.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    lines = refused(run(frozen.root, "check"), "archive/2014/manifest.json.minisig")
    assert "签名与存档清单不符" in lines[0]
    refused(run(frozen.root, "build"), "archive/2014/manifest.json.minisig")


def test_the_site_publishes_the_signature_and_the_public_key(frozen: ProjectDir, tmp_path: Path):
    out = tmp_path / "site"
    assert run(frozen.root, "build", "--out", str(out)).returncode == 0
    assert (out / "2014/manifest.json.minisig").read_bytes() == frozen.path(
        "archive/2014/manifest.json.minisig"
    ).read_bytes()
    assert (out / "signing/sample.pub").read_bytes() == frozen.path(
        "content/signing/sample.pub"
    ).read_bytes()


def test_freeze_without_a_private_key_writes_nothing(tiny: ProjectDir, tmp_path: Path):
    shutil.copytree(REPO / "theme", tiny.root / "theme")
    before = sorted(p.relative_to(tiny.root) for p in tiny.root.rglob("*"))
    done = run(tiny.root, "freeze", "2014", "--key", str(tmp_path / "none.key"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "找不到签名私钥" in done.stderr and "keygen" in done.stderr
    assert sorted(p.relative_to(tiny.root) for p in tiny.root.rglob("*")) == before


def test_keygen_keeps_the_private_key_outside_the_project(tiny: ProjectDir, tmp_path: Path):
    key = tmp_path / "keys" / "office.key"
    done = run(tiny.root, "keygen", "--key", str(key), "--name", "office-2026")
    assert done.returncode == 0, done.stderr
    assert "切勿提交" in done.stdout
    if os.name != "nt":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = tiny.path("content/signing/office-2026.pub")
    assert signing.read_secret(key).key_id == signing.read_public(public.read_text(), "x").key_id
    again = run(tiny.root, "keygen", "--key", str(key), "--name", "office-2027")
    assert again.returncode == 1 and "不会覆盖" in again.stderr
    inside = run(tiny.root, "keygen", "--key", str(tiny.path("content/secret.key")))
    assert inside.returncode == 1 and "不能放在项目文件夹里" in inside.stderr
    assert not tiny.path("content/secret.key").exists()


def test_a_key_not_listed_in_the_project_cannot_freeze(tiny: ProjectDir, tmp_path: Path):
    shutil.copytree(REPO / "theme", tiny.root / "theme")
    other = tmp_path / "other"
    other.mkdir()
    assert (
        run(other, "keygen", "--key", str(tmp_path / "stranger.key"), "--name", "x").returncode == 0
    )
    done = run(tiny.root, "freeze", "2014", "--key", str(tmp_path / "stranger.key"))
    assert done.returncode == 1 and "对应的公钥不在 content/signing/ 中" in done.stderr
    assert not tiny.path("archive").exists()


def test_rotating_the_key_keeps_old_signatures_valid(frozen: ProjectDir, tmp_path: Path):
    new_key = tmp_path / "new.key"
    assert run(frozen.root, "keygen", "--key", str(new_key), "--name", "office-new").returncode == 0
    frozen.replace("scores/2014/c.yaml", "plan: 3", "plan: 2")
    done = run(frozen.root, "correct", "2014", "--reason", "更正", "--key", str(new_key))
    assert done.returncode == 0, done.stderr
    assert (
        run(frozen.root, "check").returncode == 0
    )  # v1 signed with the sample key, v2 with the new
    old_id = signing.key_id_text(signing.read_secret(SAMPLE_KEY).key_id)
    assert old_id in frozen.read("archive/2014-v1/manifest.json.minisig")
    # Deleting the old public key would leave version 1 unverifiable: check says so.
    frozen.remove("content/signing/sample.pub")
    lines = refused(run(frozen.root, "check"), "archive/2014-v1/manifest.json.minisig")
    assert old_id in lines[0] and "旧公钥必须保留" in lines[0]
    # ... which is what to do when the old private key leaked: sign again with the new one.
    assert run(frozen.root, "sign", "--key", str(new_key)).returncode == 0
    assert run(frozen.root, "check").returncode == 0


def test_sign_adds_a_missing_signature_but_never_signs_a_changed_archive(frozen: ProjectDir):
    frozen.remove("archive/2014/manifest.json.minisig")
    lines = refused(run(frozen.root, "check"), "archive/2014/manifest.json.minisig")
    assert "没有签名" in lines[0] and "sign" in lines[0]
    assert run(frozen.root, "sign").returncode == 0
    assert run(frozen.root, "check").returncode == 0
    frozen.remove("archive/2014/manifest.json.minisig")
    frozen.write("archive/2014/index.html", "篡改")
    done = run(frozen.root, "sign")
    assert done.returncode == 1 and "不能签名" in done.stderr
    assert not frozen.path("archive/2014/manifest.json.minisig").exists()


@pytest.mark.skipif(MINISIGN is None, reason="minisign is not installed (apt-get install minisign)")
def test_minisign_verifies_our_signatures_and_we_verify_its(frozen: ProjectDir, tmp_path: Path):
    folder = frozen.path("archive/2014")
    public = frozen.path("content/signing/sample.pub")
    done = subprocess.run(
        [MINISIGN, "-V", "-m", str(folder / "manifest.json"), "-p", str(public)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (folder / "manifest.json.minisig").unlink()
    done = subprocess.run(
        [
            MINISIGN,
            "-S",
            "-s",
            str(SAMPLE_KEY),
            "-m",
            str(folder / "manifest.json"),
            "-t",
            "signed by minisign",
        ],
        capture_output=True,
        text=True,
        input="",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert run(frozen.root, "check").returncode == 0


def test_the_sample_archive_is_signed_with_the_sample_key():
    keys = signing.public_keys(REPO)
    assert len(keys) >= 1
    sample = signing.read_public(
        (REPO / "content/signing/sample.pub").read_text(encoding="utf-8"), "s"
    )
    assert "SAMPLE KEY" in (REPO / "content/signing/sample.pub").read_text(encoding="utf-8")
    text = (REPO / "archive/2014/manifest.json.minisig").read_text(encoding="utf-8")
    data = (REPO / "archive/2014/manifest.json").read_bytes()
    assert signing.check_signature({sample.key_id: sample}, data, text) is None
