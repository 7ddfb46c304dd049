"""Ed25519 signatures of the frozen years' manifests, in minisign's file formats.

A manifest lists the SHA-256 of every archived file; anyone who can edit the files could edit
the manifest too. The signature (`manifest.json.minisig` beside it) can only be made with the
office's private key, which never enters the repository; the public keys are kept in
`content/signing/*.pub` and published at `site/signing/`. `check` and `build` verify every
archived version with them. Old public keys stay in the folder when the key is replaced, so
what was signed before stays verifiable. The files are those of minisign
(https://jedisct1.github.io/minisign/), so `minisign -Vm manifest.json -p key.pub` verifies a
manifest without this tool; private keys are stored without a password (minisign -W).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import ArchiveError, Mark, Report

if TYPE_CHECKING:  # cryptography is imported where a key is used: a build without archives
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # never pays for it
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIGNATURE = "manifest.json.minisig"
KEYS = "content/signing"
ENVIRONMENT = "BULLETIN_SIGNING_KEY"
UNTRUSTED = "untrusted comment: "
TRUSTED = "trusted comment: "


def default_key_path() -> Path:
    """Where keygen puts the private key unless told otherwise: the user's home, not the project."""
    return Path.home() / ".bulletin" / "signing.key"


def key_id_text(key_id: bytes) -> str:
    """A key id as minisign prints it (its little-endian number in hex)."""
    return key_id[::-1].hex().upper()


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes
    key: Ed25519PublicKey
    rel: str  # where it is kept, for messages


@dataclass(frozen=True)
class SecretKey:
    key_id: bytes
    key: Ed25519PrivateKey

    def public_bytes(self) -> bytes:
        return raw_bytes(self.key.public_key())


def raw_bytes(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def public_key_text(secret: SecretKey, comment: str) -> str:
    data = base64.b64encode(b"Ed" + secret.key_id + secret.public_bytes()).decode("ascii")
    return f"{UNTRUSTED}{comment}\n{data}\n"


def secret_key_text(secret: SecretKey, comment: str) -> str:
    """minisign's secret key file, unencrypted (kdf "\\0\\0", as `minisign -W` writes it)."""
    sk = secret.key.private_bytes_raw() + secret.public_bytes()
    check = hashlib.blake2b(b"Ed" + secret.key_id + sk, digest_size=32).digest()
    blob = b"Ed" + b"\0\0" + b"B2" + bytes(32) + bytes(8) + bytes(8) + secret.key_id + sk + check
    return f"{UNTRUSTED}{comment}\n{base64.b64encode(blob).decode('ascii')}\n"


def new_key() -> SecretKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return SecretKey(os.urandom(8), Ed25519PrivateKey.generate())


def read_public(text: str, rel: str) -> PublicKey:
    """A minisign public key file; ArchiveError naming the file if it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        lines = _lines(text)
        blob = base64.b64decode(lines[-1], validate=True)
        assert len(blob) == 42 and blob[:2] == b"Ed"
        return PublicKey(blob[2:10], Ed25519PublicKey.from_public_bytes(blob[10:]), rel)
    except (IndexError, ValueError, AssertionError):
        raise ArchiveError(f"{rel}：不是有效的公钥文件（应为 minisign 格式的两行文字）。") from None


def read_secret(path: Path) -> SecretKey:
    """A minisign secret key file without password; ArchiveError saying what is wrong."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ArchiveError(
            f"找不到签名私钥 {path}。冻结和更正必须用本单位的私钥签名：请用 --key 指定私钥文件，"
            f"或设置环境变量 {ENVIRONMENT}；还没有密钥的，请先运行 python build.py keygen（见 docs/signing.md）。"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"无法读取签名私钥 {path}：{exc}") from None
    try:
        blob = base64.b64decode(_lines(text)[-1], validate=True)
        assert len(blob) == 158 and blob[:2] == b"Ed" and blob[4:6] == b"B2"
    except (IndexError, ValueError, AssertionError):
        raise ArchiveError(f"{path} 不是有效的签名私钥文件（应为 minisign 格式）。") from None
    if blob[2:4] != b"\0\0":
        raise ArchiveError(
            f"{path} 是设了口令的 minisign 私钥，本工具只能使用无口令的私钥（minisign -G -W 或 "
            "python build.py keygen 生成），请把它保存在加密的U盘或加密的磁盘上。"
        )
    key_id, sk, check = blob[54:62], blob[62:126], blob[126:158]
    if hashlib.blake2b(b"Ed" + key_id + sk, digest_size=32).digest() != check:
        raise ArchiveError(f"{path} 已损坏（校验和不符），请换用备份的私钥。")
    secret = SecretKey(key_id, Ed25519PrivateKey.from_private_bytes(sk[:32]))
    if secret.public_bytes() != sk[32:]:
        raise ArchiveError(f"{path} 已损坏（私钥与其中的公钥不符），请换用备份的私钥。")
    return secret


def sign(secret: SecretKey, data: bytes, trusted_comment: str) -> str:
    """A minisign signature file of `data` (prehashed with BLAKE2b-512, as minisign signs)."""
    digest = hashlib.blake2b(data, digest_size=64).digest()
    signature = secret.key.sign(digest)
    comment = trusted_comment.replace("\n", " ")
    overall = secret.key.sign(signature + comment.encode("utf-8"))
    return (
        f"{UNTRUSTED}signature from bulletin secret key {key_id_text(secret.key_id)}\n"
        f"{base64.b64encode(b'ED' + secret.key_id + signature).decode('ascii')}\n"
        f"{TRUSTED}{comment}\n"
        f"{base64.b64encode(overall).decode('ascii')}\n"
    )


def check_signature(keys: dict[bytes, PublicKey], data: bytes, text: str) -> str | None:
    """Why a signature file does not vouch for `data` with one of `keys`, or None if it does."""
    from cryptography.exceptions import InvalidSignature

    try:
        lines = _lines(text)
        assert len(lines) == 4 and lines[0].startswith(UNTRUSTED) and lines[2].startswith(TRUSTED)
        blob = base64.b64decode(lines[1], validate=True)
        overall = base64.b64decode(lines[3], validate=True)
        assert len(blob) == 74 and blob[:2] in (b"ED", b"Ed") and len(overall) == 64
    except (AssertionError, ValueError):
        return "签名文件已损坏或格式不对。"
    key = keys.get(blob[2:10])
    if key is None:
        return (
            f"签名所用的密钥（编号 {key_id_text(blob[2:10])}）不在 {KEYS}/ 的公钥中："
            "可能是用别人的私钥签的，或换了密钥后把旧公钥删掉了（旧公钥必须保留）。"
        )
    message = hashlib.blake2b(data, digest_size=64).digest() if blob[:2] == b"ED" else data
    try:
        key.key.verify(blob[10:], message)
        key.key.verify(overall, blob[10:] + lines[2].removeprefix(TRUSTED).encode("utf-8"))
    except InvalidSignature:
        return "签名与存档清单不符：清单在签名之后被改动过（或签名被改动过）。"
    return None


def public_keys(root: Path, report: Report | None = None) -> dict[bytes, PublicKey]:
    """The project's public keys (content/signing/*.pub) by key id; bad files are reported."""
    folder = root / KEYS
    found: dict[bytes, PublicKey] = {}
    for path in sorted(folder.glob("*.pub")) if folder.is_dir() else []:
        rel = f"{KEYS}/{path.name}"
        try:
            if path.is_symlink() or not stat.S_ISREG(path.stat().st_mode):
                raise ArchiveError(f"{rel}：公钥必须是普通文件，不能是链接。")
            key = read_public(path.read_text(encoding="utf-8"), rel)
        except (ArchiveError, OSError, UnicodeDecodeError) as exc:
            if report is not None:
                message = exc.message if isinstance(exc, ArchiveError) else str(exc)
                report.error(Mark(rel), message.removeprefix(f"{rel}："))
            continue
        found[key.key_id] = key
    return found


def published_keys(root: Path) -> dict[str, bytes]:
    """The public keys as the site publishes them (signing/<name>.pub), once verified as keys."""
    keys = public_keys(root)
    named = {key.rel.removeprefix(f"{KEYS}/"): key for key in keys.values()}
    return {f"signing/{name}": (root / KEYS / name).read_bytes() for name in sorted(named)}


def verify_folder(folder: Path, rel: str, keys: dict[bytes, PublicKey], report: Report) -> bool:
    """Check the signature of an archive folder's manifest; report what is wrong."""
    where = Mark(f"{rel}/{SIGNATURE}")
    try:
        text = (folder / SIGNATURE).read_text(encoding="utf-8")
    except FileNotFoundError:
        report.error(
            where,
            "存档清单没有签名，无法证明清单本身没有被改动。冻结或更正时会自动签名；"
            "签名功能启用之前冻结的存档，请由持有私钥的人运行 python build.py sign 补签（见 docs/signing.md）。",
        )
        return False
    except (OSError, UnicodeDecodeError):
        report.error(where, "签名文件无法读取。")
        return False
    if not keys:
        report.error(
            where, f"项目中没有公钥（{KEYS}/*.pub），无法验证签名。请把本单位的公钥放回 {KEYS}/。"
        )
        return False
    problem = check_signature(keys, (folder / "manifest.json").read_bytes(), text)
    if problem is not None:
        report.error(where, problem)
        return False
    return True


def secret_for(root: Path, path: Path | None) -> SecretKey:
    """The private key to sign with (option, environment, default), checked against the project."""
    chosen = path or (
        Path(os.environ[ENVIRONMENT]) if os.environ.get(ENVIRONMENT) else default_key_path()
    )
    secret = read_secret(chosen)
    keys = public_keys(root)
    if secret.key_id not in keys or raw_bytes(keys[secret.key_id].key) != secret.public_bytes():
        raise ArchiveError(
            f"私钥 {chosen}（编号 {key_id_text(secret.key_id)}）对应的公钥不在 {KEYS}/ 中。"
            f"请把 keygen 生成的公钥文件放进 {KEYS}/ 并提交，再冻结或更正。"
        )
    return secret


def trusted_comment(year: int, version: int, frozen: str) -> str:
    return f"file:manifest.json\tyear:{year}\tversion:{version}\tfrozen:{frozen}"
