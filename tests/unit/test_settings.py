"""Start-up configuration, checked in fresh processes as an operator would meet it."""

import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "protoplatform.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://protoplatform.example.com",
    "SITE_URL": "https://protoplatform.example.com",
}
# What `make run` and the tests ask for; production is what an empty environment gets.
DEVELOPMENT = {"DEBUG": "1", "SECRET_KEY": secrets.token_urlsafe(50)}


def bare_environment(**env):
    """This process's environment without what pytest-env and the browser tests add (DEBUG,
    SECRET_KEY, DJANGO_ALLOW_ASYNC_UNSAFE: production never has it, and check --deploy rightly
    refuses it), plus `env`."""
    unset = (
        "DEBUG",
        "SECRET_KEY",
        "SECRET_KEY_FILE",
        "DATABASE_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DJANGO_SETTINGS_MODULE",
    )
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return clean | {"VAR_DIR": str(ROOT / "var")} | env


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=bare_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line_naming(result, variable):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    return lines[0]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


def test_missing_secret_key_in_production_stops_with_one_line_naming_it():
    env = PRODUCTION | {"SECRET_KEY": ""}
    one_line_naming(manage("check", **env), "SECRET_KEY")


def test_with_no_environment_start_up_stops_at_the_missing_secret_key():
    line = one_line_naming(manage("check"), "SECRET_KEY")
    assert "SECRET_KEY_FILE" in line
    # Debug mode is no way around it either.
    one_line_naming(manage("check", DEBUG="1"), "SECRET_KEY")


def test_a_bare_runserver_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{free_port()}"],
        cwd=ROOT,
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_line_naming(result, "SECRET_KEY")


def test_production_is_the_default_once_a_secret_key_is_given():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS)",
        SECRET_KEY=PRODUCTION["SECRET_KEY"],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False True 31536000 []"


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret-key"
    secret.write_text(PRODUCTION["SECRET_KEY"] + "\n")
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECRET_KEY)",
        SECRET_KEY_FILE=str(secret),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == PRODUCTION["SECRET_KEY"]
    missing = manage("check", SECRET_KEY_FILE=str(tmp_path / "nowhere"))
    assert str(tmp_path / "nowhere") in one_line_naming(missing, "SECRET_KEY_FILE")


def test_make_run_asks_for_debug_and_serves_with_nothing_else_in_the_environment(tmp_path):
    dry_run = subprocess.run(
        ["make", "--dry-run", "--old-file=setup", "run"],
        cwd=ROOT,
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    command = next(shlex.split(line) for line in dry_run.stdout.splitlines() if "runserver" in line)
    assignments = dict(word.split("=", 1) for word in command if "=" in word)
    assert assignments["DEBUG"] == "1"
    assert assignments["SECRET_KEY_FILE"].startswith("var/")
    # The secret make creates once per checkout, here in a temporary folder.
    secret = tmp_path / "dev-secret-key"
    secret.write_text(secrets.token_urlsafe(50))
    port = free_port()
    env = bare_environment(
        DEBUG=assignments["DEBUG"], SECRET_KEY_FILE=str(secret), VAR_DIR=str(tmp_path)
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "runserver did not answer within a minute"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_misspelt_database_url_stops_with_one_line_naming_it():
    result = manage("check", DATABASE_URL="postgress://app:s3cret@db:5432/app", **DEVELOPMENT)
    line = one_line_naming(result, "DATABASE_URL")
    assert "s3cret" not in line


def test_embedded_default_needs_no_server():
    from django.conf import settings

    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)",
        CELERY_BROKER_URL="",
        EMAIL_HOST="",
        **DEVELOPMENT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_bad_number_names_its_variable():
    result = manage("check", UPLOAD_MAX_BYTES="25MB", **DEVELOPMENT)
    assert result.returncode != 0
    assert "UPLOAD_MAX_BYTES" in result.stderr.strip().splitlines()[-1]
