"""A private Dovecot IMAP server for the tests: Debian's dovecot-imapd, never the system service.

``make imap-server`` (part of ``make test``) installs the package when it is missing. The fixture
writes a config of its own into a fresh folder (base_dir, state_dir, log, a passwd-file with one
mailbox and a plaintext test password, Maildir under the folder), starts ``dovecot -F -c <config>``
on a free port on 127.0.0.1 (plain IMAP, ssl=no, plaintext login allowed) and stops it afterwards.
Run as root, the mail processes run as Dovecot's own ``dovecot`` user (Dovecot refuses UID 0 for
mail), so the folder is made outside pytest's root-only temp folder and handed to that user; run as
anyone else, every process runs as that user, without chroot. ``dovecot_tls`` is a second instance
that requires STARTTLS before any login, on 127.0.0.2 with a certificate of its own.

Without the binary the tests skip locally and fail with CI=true (:func:`tests.support.missing_peer`).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests.support import free_port, missing_peer

DOVECOT = "/usr/sbin/dovecot"
USER = "verzuim@example.nl"
PASSWORD = "imap-test-password"
START_TIMEOUT = 30.0


@dataclass(frozen=True)
class DovecotServer:
    host: str
    port: int
    username: str
    password: str
    folder: Path
    version: str
    ca_file: Path | None = None  # the certificate a client trusts (the STARTTLS server)

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _config(
    folder: Path, port: int, uid: int, gid: int, login_user: str | None, *, host: str, tls: bool = False
) -> str:
    users = folder / "users"
    users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{folder / 'mail' / 'verzuim'}\n")
    lines = [
        "protocols = imap",
        f"listen = {host}",
        f"base_dir = {folder / 'run'}",
        f"state_dir = {folder / 'state'}",
        f"instance_name = reintegratie-test-{port}",
        f"log_path = {folder / 'dovecot.log'}",
        *(
            # STARTTLS (or TLS) required before any login; the certificate the tests trust.
            ["ssl = required", f"ssl_cert = <{folder / 'cert.pem'}", f"ssl_key = <{folder / 'key.pem'}"]
            if tls
            else ["ssl = no", "disable_plaintext_auth = no"]
        ),
        "auth_mechanisms = plain login",
        f"first_valid_uid = {min(uid, 100)}",
        "mail_location = maildir:~/Maildir",
        "passdb {",
        "  driver = passwd-file",
        f"  args = scheme=PLAIN username_format=%u {users}",
        "}",
        "userdb {",
        "  driver = passwd-file",
        f"  args = username_format=%u {users}",
        "}",
        "service imap-login {",
        "  inet_listener imap {",
        f"    address = {host}",
        f"    port = {port}",
        "  }",
        "  inet_listener imaps {",
        "    port = 0",
        "  }",
        "}",
    ]
    if login_user is not None:  # not root: every process runs as this user and its group
        group = grp.getgrgid(gid).gr_name
        lines += [
            f"default_internal_user = {login_user}",
            f"default_internal_group = {group}",
            f"default_login_user = {login_user}",
            "service anvil {",
            "  chroot =",
            "}",
            "service imap-login {",
            "  chroot =",
            "}",
        ]
    return "\n".join(lines) + "\n"


def _version() -> str:
    done = subprocess.run([DOVECOT, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _wait_for(process: subprocess.Popen[bytes], host: str, port: int, folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            log = (folder / "dovecot.log").read_text(errors="replace") if (folder / "dovecot.log").exists() else ""
            out = (folder / "stdout.log").read_text(errors="replace")
            raise RuntimeError(f"dovecot exited ({process.returncode}):\n{out}\n{log}")
        try:
            with socket.create_connection((host, port), timeout=0.5) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("dovecot did not answer within 30 s")
        time.sleep(0.05)


@contextmanager
def running_dovecot(tls_files: tuple[Path, Path] | None = None) -> Iterator[DovecotServer]:
    """Start a private Dovecot (see the module docstring); with ``tls_files`` (certificate, key) it
    requires STARTTLS before a login. That one listens on 127.0.0.2: Dovecot takes a connection
    whose two ends have the same address (127.0.0.1 to 127.0.0.1) as secure and would allow a
    plaintext login on it."""
    if not os.access(DOVECOT, os.X_OK):
        missing_peer(f"{DOVECOT} is missing: run `make imap-server` (as root, it installs Debian's dovecot-imapd)")
    root = os.geteuid() == 0
    if root:
        mail_user = pwd.getpwnam("dovecot")
        uid, gid, login_user = mail_user.pw_uid, mail_user.pw_gid, None
    else:
        uid, gid, login_user = os.getuid(), os.getgid(), pwd.getpwuid(os.getuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="reintegratie-dovecot-"))
    folder.chmod(0o755)
    for name in ("run", "state", "mail"):
        (folder / name).mkdir()
    if root:
        os.chown(folder / "mail", uid, gid)
    if tls_files is not None:
        shutil.copy(tls_files[0], folder / "cert.pem")
        shutil.copy(tls_files[1], folder / "key.pem")
    port = free_port()
    config = folder / "dovecot.conf"
    host = "127.0.0.2" if tls_files is not None else "127.0.0.1"
    config.write_text(_config(folder, port, uid, gid, login_user, host=host, tls=tls_files is not None))
    with open(folder / "stdout.log", "wb") as out:
        process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(process, host, port, folder)
        yield DovecotServer(host, port, USER, PASSWORD, folder, _version())
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def dovecot() -> Iterator[DovecotServer]:
    """A private Dovecot for the module's tests: plain IMAP, plaintext login allowed."""
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="module")
def dovecot_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    """A private Dovecot that refuses any login before STARTTLS, with a self-signed certificate for
    127.0.0.2 (``server.ca_file``: the certificate to trust)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing_peer("the openssl command is needed to make a certificate for the IMAP STARTTLS test")
    folder = tmp_path_factory.mktemp("dovecot-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.2"]
        + ["-addext", "subjectAltName=IP:127.0.0.2", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    with running_dovecot((cert, key)) as server:
        yield replace(server, ca_file=cert)
